/**
 * Mailgun's webhooks (pure). Each POST carries `signature: {timestamp, token, signature}` in its JSON
 * body: the signature is the hex HMAC-SHA256 of timestamp + token under the webhook signing key. A
 * timestamp outside the replay window is refused; a token seen before is refused by the route (it
 * remembers tokens for longer than the window).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { bounceSeverity, oneLineDetail } from '../feedback-event.ts';
import { accepted, refused, type Verdict, type WebhookEvent } from './webhook-event.ts';

export const MAILGUN_REPLAY_WINDOW_SECONDS = 300;

interface MailgunBody {
  signature?: { timestamp?: unknown; token?: unknown; signature?: unknown };
  'event-data'?: Record<string, unknown>;
}

export function verifyMailgun(body: unknown, signingKey: string, nowSeconds: number): Verdict {
  const sig = (body as MailgunBody | undefined)?.signature;
  const { timestamp, token, signature } = sig ?? {};
  if (typeof timestamp !== 'string' && typeof timestamp !== 'number') return refused('unsigned');
  if (typeof token !== 'string' || typeof signature !== 'string' || !/^[0-9a-f]{64}$/i.test(signature))
    return refused('unsigned');
  const wanted = createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest();
  if (!timingSafeEqual(wanted, Buffer.from(signature, 'hex'))) return refused('bad signature');
  if (Math.abs(nowSeconds - Number(timestamp)) > MAILGUN_REPLAY_WINDOW_SECONDS)
    return refused('outside the replay window');
  return accepted;
}

export const mailgunToken = (body: unknown): string => String((body as MailgunBody).signature?.token);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function mailgunEvents(body: unknown): WebhookEvent[] {
  const e = (body as MailgunBody)['event-data'];
  if (!e || typeof e !== 'object') return [];
  const status = (e['delivery-status'] ?? {}) as Record<string, unknown>;
  const envelope = (e.envelope ?? {}) as Record<string, unknown>;
  const headers = ((e.message as Record<string, unknown> | undefined)?.headers ?? {}) as Record<
    string,
    unknown
  >;
  const messageId = str(headers['message-id']);
  const base = {
    email: str(e.recipient)?.toLowerCase(),
    returnPath: str(envelope.sender),
    messageId: messageId ? `<${messageId.replace(/^<|>$/g, '')}>` : undefined,
    eventId: `mailgun:${str(e.id) ?? ''}`,
    origin: 'mailgun webhook',
  };
  switch (e.event) {
    case 'failed': {
      const enhanced = str(status['enhanced-code']) ?? '';
      const permanent = e.severity === 'permanent';
      // Mailgun says "permanent" for suppressed addresses and policy refusals too; the status decides.
      const severity = permanent ? (bounceSeverity('failed', enhanced || '5.0.0') ?? 'hard') : 'soft';
      const detail = oneLineDetail(
        `${enhanced || status.code || ''} ${str(status.description) ?? str(status.message) ?? str(e.reason) ?? ''}`,
      );
      return [{ ...base, kind: 'bounce', severity, detail }];
    }
    case 'complained':
      return [{ ...base, kind: 'complaint', detail: 'spam complaint' }];
    case 'unsubscribed':
      return [{ ...base, kind: 'unsubscribe', detail: 'unsubscribed at Mailgun' }];
    default:
      return [];
  }
}
