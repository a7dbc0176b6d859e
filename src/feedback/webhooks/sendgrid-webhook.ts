/**
 * SendGrid's signed event webhook (pure): the ECDSA (P-256, SHA-256) signature in
 * `X-Twilio-Email-Event-Webhook-Signature` covers the timestamp header followed by the raw body, and
 * is checked with the public key SendGrid shows (base64 DER). Node's crypto verifies it; a timestamp
 * outside the replay window is refused.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { bounceSeverity, oneLineDetail } from '../feedback-event.ts';
import { accepted, refused, type Verdict, type WebhookEvent } from './webhook-event.ts';

export const SENDGRID_REPLAY_WINDOW_SECONDS = 600;

/** The key as SendGrid shows it (base64 of DER SubjectPublicKeyInfo), or PEM. */
export function sendgridPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  return trimmed.startsWith('-----')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
}

export function verifySendgrid(
  rawBody: string,
  signature: string | undefined,
  timestamp: string | undefined,
  key: KeyObject,
  nowSeconds: number,
): Verdict {
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return refused('unsigned');
  let ok = false;
  try {
    ok = verify('sha256', Buffer.from(timestamp + rawBody), key, Buffer.from(signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) return refused('bad signature');
  if (Math.abs(nowSeconds - Number(timestamp)) > SENDGRID_REPLAY_WINDOW_SECONDS)
    return refused('outside the replay window');
  return accepted;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function sendgridEvents(body: unknown): WebhookEvent[] {
  if (!Array.isArray(body)) return [];
  return body.flatMap((raw): WebhookEvent[] => {
    const e = raw as Record<string, unknown>;
    if (!e || typeof e !== 'object') return [];
    const smtpId = str(e['smtp-id']);
    const base = {
      email: str(e.email)?.toLowerCase(),
      returnPath: undefined,
      messageId: smtpId ? `<${smtpId.replace(/^<|>$/g, '')}>` : undefined,
      eventId: `sendgrid:${str(e.sg_event_id) ?? ''}`,
      origin: 'sendgrid webhook',
    };
    switch (e.event) {
      case 'bounce': {
        const status = str(e.status) ?? '';
        // `blocked` is SendGrid's word for a refusal that is not about the address.
        const severity =
          e.type === 'blocked' ? 'soft' : (bounceSeverity('failed', status || '5.0.0') ?? 'hard');
        return [
          { ...base, kind: 'bounce', severity, detail: oneLineDetail(`${status} ${str(e.reason) ?? ''}`) },
        ];
      }
      case 'spamreport':
        return [{ ...base, kind: 'complaint', detail: 'spam report' }];
      case 'unsubscribe':
      case 'group_unsubscribe':
        return [{ ...base, kind: 'unsubscribe', detail: 'unsubscribed at SendGrid' }];
      default:
        return [];
    }
  });
}
