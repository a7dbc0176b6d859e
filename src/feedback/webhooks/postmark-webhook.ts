/**
 * Postmark's bounce and spam-complaint webhooks (pure). Postmark signs nothing: the URL carries HTTP
 * basic auth credentials that only Postmark and we know, so that is what is checked (constant time).
 * It cannot tell a replay from a retry; the event's `ID` makes a replay change nothing.
 */
import { timingSafeEqual } from 'node:crypto';
import { oneLineDetail } from '../feedback-event.ts';
import { accepted, refused, type Verdict, type WebhookEvent } from './webhook-event.ts';

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function verifyBasicAuth(header: string | undefined, user: string, password: string): Verdict {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return refused('unsigned');
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return refused('bad credentials');
  // Both compared, whatever the first says, so timing tells nothing about which was wrong.
  const okUser = same(decoded.slice(0, colon), user);
  const okPassword = same(decoded.slice(colon + 1), password);
  return okUser && okPassword ? accepted : refused('bad credentials');
}

/** Postmark bounce types that say the address is bad; the others (Transient, SoftBounce, ...) are soft. */
const HARD = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
const IGNORED = new Set([
  'Subscribe',
  'AutoResponder',
  'AddressChange',
  'OpenRelayTest',
  'ChallengeVerification',
]);

export function postmarkEvents(body: unknown): WebhookEvent[] {
  const b = body as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object') return [];
  const email = typeof b.Email === 'string' ? b.Email.toLowerCase() : undefined;
  const base = {
    email,
    returnPath: undefined,
    messageId: undefined,
    eventId: `postmark:${String(b.RecordType)}:${String(b.ID)}`,
    origin: 'postmark webhook',
  };
  const type = String(b.Type ?? '');
  if (b.RecordType === 'SpamComplaint' || type === 'SpamComplaint')
    return [{ ...base, kind: 'complaint', detail: 'spam complaint' }];
  if (b.RecordType !== 'Bounce' || IGNORED.has(type)) return [];
  if (type === 'Unsubscribe') return [{ ...base, kind: 'unsubscribe', detail: 'unsubscribe request' }];
  return [
    {
      ...base,
      kind: 'bounce',
      severity: HARD.has(type) ? 'hard' : 'soft',
      detail: oneLineDetail(`${type}: ${String(b.Description ?? '')} ${String(b.Details ?? '')}`),
    },
  ];
}
