/**
 * `digest subscribers confirm-resend`: the double opt-in email again for pending subscribers (one
 * address, or every pending one), through the sign-up form's throttle: at most one email per address
 * per 24 hours, whoever asks. Active, unsubscribed and suppressed subscribers are never mailed here.
 */
import type { Container } from '../app/container.ts';
import type { Subscriber } from '../domain/subscriber.ts';
import { createConfirmationEmails } from './confirmation-email.ts';
import { type SignUpDeps, sendConfirmation } from './sign-up.ts';
import { templatesDir } from './templates-dir.ts';

export interface ResendReport {
  mailed: number;
  /** Already mailed within the window: not mailed again. */
  throttled: number;
  /** Not pending (the one address asked for): nothing to confirm. */
  notPending: number;
}

export async function resendConfirmations(
  deps: SignUpDeps,
  subscribers: AsyncIterable<Subscriber> | Iterable<Subscriber>,
  now: Date,
): Promise<ResendReport> {
  const report: ResendReport = { mailed: 0, throttled: 0, notPending: 0 };
  for await (const s of subscribers) {
    if (s.status !== 'pending') report.notPending++;
    else if (await sendConfirmation(deps, s, 'confirm', now)) report.mailed++;
    else report.throttled++;
  }
  return report;
}

/** Every pending subscriber, page by page. */
export async function* pendingSubscribers(store: SignUpDeps['store']): AsyncIterable<Subscriber> {
  let cursor = '0';
  do {
    const page = await store.listByStatus('pending', cursor, 500);
    cursor = page.cursor;
    for (const id of page.ids) {
      const s = await store.get(id);
      if (s) yield s;
    }
  } while (cursor !== '0');
}

/** The sign-up form's mailing parts, from the container (the same throttle keys, templates and relay). */
export function confirmationDeps(c: Container): SignUpDeps {
  const dir = templatesDir(c.config.templatesDir);
  return {
    store: c.subscribers,
    throttle: c.confirmationThrottle,
    emails: createConfirmationEmails(dir, c.publication, c.config.templatesDir),
    mailer: c.mailer,
    publication: c.publication,
    linkKeys: c.linkKeys,
    publicUrl: () => c.publicUrl,
    logger: c.logger,
  };
}
