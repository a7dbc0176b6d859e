/**
 * Double opt-in sign-up. Whatever the address's state, the caller answers the same way, so the form
 * never tells anyone whether an address is subscribed; only the address's owner learns it, by email:
 *   new or pending       -> (created `pending`) + the confirmation email
 *   forgotten            -> as new: erased people may come back by confirming
 *   active, unsubscribed -> an email with the preference link (resubscribe happens there)
 *   bounced, complained, suppressed -> nothing
 * At most one such email per address per 24 hours (ConfirmationThrottle), across processes.
 * The HTTP route answers before calling this (src/http/routes/subscribe.ts), so none of these paths,
 * nor the relay's speed, shows in the response time.
 */
import type { LinkKey } from '../config.ts';
import type { Publication } from '../domain/publication.ts';
import type { Subscriber } from '../domain/subscriber.ts';
import { linkUrl } from '../links/subscriber-links.ts';
import type { Logger } from '../logging/logger.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { ConfirmationEmails, ConfirmationKind } from './confirmation-email.ts';
import type { ConfirmationThrottle } from './confirmation-throttle.ts';
import { type SubscriberStore, SuppressedAddressError } from './subscriber-store.ts';

export interface SignUpDeps {
  store: SubscriberStore;
  throttle: ConfirmationThrottle;
  emails: ConfirmationEmails;
  mailer: Mailer;
  publication: Publication;
  linkKeys: LinkKey[];
  publicUrl: () => string;
  logger: Logger;
}

export interface SignUpInput {
  /** Already normalised. */
  email: string;
  name: string;
  topics: string[];
  timezone: string;
  /** The language chosen on the form (checked); empty: the publication's. */
  locale: string;
  ip: string;
}

export type SignUpOutcome = 'mailed' | 'quiet';

export async function signUp(deps: SignUpDeps, input: SignUpInput, now: Date): Promise<SignUpOutcome> {
  let subscriber: Subscriber;
  try {
    ({ subscriber } = await deps.store.create(
      {
        email: input.email,
        name: input.name,
        topics: input.topics,
        timezone: input.timezone,
        hour: deps.publication.defaultHour,
        locale: input.locale,
        // A forgotten person may come back this way: pending until they confirm, like anyone new.
        ownRequest: true,
      },
      'signup',
      `ip=${input.ip}`,
    ));
  } catch (err) {
    if (err instanceof SuppressedAddressError) return 'quiet';
    throw err;
  }
  const kind: ConfirmationKind | undefined =
    subscriber.status === 'pending'
      ? 'confirm'
      : subscriber.status === 'active' || subscriber.status === 'unsubscribed'
        ? 'manage'
        : undefined;
  if (!kind) return 'quiet';
  return (await sendConfirmation(deps, subscriber, kind, now)) ? 'mailed' : 'quiet';
}

/**
 * Sends the confirm (or manage) email to one subscriber, at most once per address per window (the
 * throttle): false when the window's email already went. Used by the sign-up form and by
 * `digest subscribers confirm-resend`.
 */
export async function sendConfirmation(
  deps: Omit<SignUpDeps, 'store'>,
  subscriber: Subscriber,
  kind: ConfirmationKind,
  now: Date,
): Promise<boolean> {
  if (!(await deps.throttle.claim(subscriber.email))) return false;
  const seconds = Math.floor(now.getTime() / 1000);
  const url = linkUrl(
    deps.publicUrl(),
    kind === 'confirm' ? 'confirm' : 'preferences',
    subscriber.id,
    deps.linkKeys,
    seconds,
  );
  // An address already known keeps the language it chose; a new one gets the form's.
  const message = await deps.emails.render(kind, url, subscriber.locale);
  try {
    await deps.mailer.send({
      from: { name: deps.publication.from.name, address: deps.publication.from.address },
      to: subscriber.email,
      replyTo: deps.publication.replyTo,
      subject: message.subject,
      html: message.html,
      text: message.text,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  } catch (err) {
    // Not sent: give the slot back so the person can try again, and let the caller answer 503.
    await deps.throttle.release(subscriber.email);
    throw err;
  }
  deps.logger.info({ event: 'signup.mailed', subscriberId: subscriber.id, kind }, 'sign-up email sent');
  return true;
}
