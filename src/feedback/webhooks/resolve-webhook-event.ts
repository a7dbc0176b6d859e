/**
 * Which subscriber (and edition) a relay's event is about: our signed VERP address if the relay
 * reports the envelope sender, else our Message-ID (only when the subscriber it names has the address
 * the relay reports), else the address alone (the edition is then unknown: the history still says
 * which relay told us).
 */
import type { SubscriberStore } from '../../subscribers/subscriber-store.ts';
import { parseDigestMessageId, type VerifiedAddress } from '../feedback-address.ts';
import type { FeedbackEvent } from '../feedback-event.ts';
import type { WebhookEvent } from './webhook-event.ts';

export async function resolveWebhookEvent(
  e: WebhookEvent,
  deps: { subscribers: SubscriberStore; verify: (address: string) => VerifiedAddress | undefined },
): Promise<FeedbackEvent | undefined> {
  const { email, returnPath, messageId, ...rest } = e;
  const event = (subscriberId: string, editionId: string | undefined): FeedbackEvent => ({
    ...rest,
    subscriberId,
    editionId,
  });
  const verp = returnPath ? deps.verify(returnPath) : undefined;
  if (verp?.kind === 'bounce') return event(verp.subscriberId, verp.editionId);
  const named = messageId ? parseDigestMessageId(messageId) : undefined;
  if (named) {
    const sub = await deps.subscribers.get(named.subscriberId);
    if (sub && (!email || sub.email === email)) return event(sub.id, named.editionId);
  }
  if (!email) return undefined;
  const sub = await deps.subscribers.getByEmail(email);
  return sub ? event(sub.id, undefined) : undefined;
}
