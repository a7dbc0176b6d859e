/**
 * What a relay's webhook says about one recipient, before we know which subscriber it is: the relay
 * names the address, and usually the envelope sender we gave it (our signed VERP address) or the
 * Message-ID we wrote, either of which names edition and subscriber (resolve-webhook-event.ts).
 */
import type { BounceSeverity, FeedbackKind } from '../feedback-event.ts';

export interface WebhookEvent {
  kind: FeedbackKind;
  severity?: BounceSeverity;
  /** The recipient's address as the relay reports it. */
  email: string | undefined;
  /** The envelope sender the relay saw (our VERP address), when it reports it. */
  returnPath: string | undefined;
  /** Our Message-ID, when the relay reports it. */
  messageId: string | undefined;
  /** The provider's own id of this event (idempotency). */
  eventId: string;
  /** e.g. `ses webhook`. */
  origin: string;
  detail: string;
}

/** The result of checking a webhook request: who sent it is proven, or why not. */
export type Verdict = { ok: true } | { ok: false; reason: string };

export const refused = (reason: string): Verdict => ({ ok: false, reason });
export const accepted: Verdict = { ok: true };
