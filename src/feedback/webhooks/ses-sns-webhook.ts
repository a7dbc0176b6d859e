/**
 * Amazon SES notifications through SNS (pure but for the certificate, which the caller fetches).
 * SNS signs each message with the key of a certificate it names by URL; the URL must be an
 * `https://sns.<region>.amazonaws.com/...pem` address (anyone can host a certificate elsewhere), the
 * signature (v1 RSA-SHA1, v2 RSA-SHA256) covers the fields of the message type in a fixed order, the
 * topic must be one we subscribed, and the timestamp within the replay window (SNS retries keep the
 * first timestamp, so the window is an hour). A `SubscriptionConfirmation` is confirmed by fetching its
 * `SubscribeURL`, which must be an SNS address as well.
 */
import { verify, X509Certificate } from 'node:crypto';
import { bounceSeverity, oneLineDetail } from '../feedback-event.ts';
import { accepted, refused, type Verdict, type WebhookEvent } from './webhook-event.ts';

export const SNS_REPLAY_WINDOW_SECONDS = 3600;
const SNS_URL = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

export interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
}

export const isSnsUrl = (url: unknown): url is string =>
  typeof url === 'string' && SNS_URL.test(url) && !/[\s@]/.test(url);

const FIELDS: Record<string, Array<keyof SnsMessage>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The text SNS signs: each present field's name and value on lines of their own, in order. */
export function snsStringToSign(m: SnsMessage): string | undefined {
  const fields = FIELDS[m.Type];
  if (!fields) return undefined;
  let out = '';
  for (const f of fields) {
    const v = m[f];
    if (v === undefined && f === 'Subject') continue;
    if (typeof v !== 'string') return undefined;
    out += `${f}\n${v}\n`;
  }
  return out;
}

/** A JSON body shaped like an SNS message, or undefined. */
export function asSnsMessage(body: unknown): SnsMessage | undefined {
  const m = body as Record<string, unknown> | undefined;
  if (!m || typeof m !== 'object') return undefined;
  for (const f of [
    'Type',
    'MessageId',
    'TopicArn',
    'Message',
    'Timestamp',
    'SignatureVersion',
    'Signature',
    'SigningCertURL',
  ])
    if (typeof m[f] !== 'string') return undefined;
  return m as unknown as SnsMessage;
}

export async function verifySns(
  m: SnsMessage,
  options: {
    topicArns: string[];
    fetchCertificate: (url: string) => Promise<string>;
    nowSeconds: number;
  },
): Promise<Verdict> {
  if (!isSnsUrl(m.SigningCertURL) || !m.SigningCertURL.endsWith('.pem'))
    return refused('certificate not from SNS');
  const algorithm = m.SignatureVersion === '1' ? 'sha1' : m.SignatureVersion === '2' ? 'sha256' : undefined;
  const text = snsStringToSign(m);
  if (!algorithm || !text) return refused('unsigned');
  let ok = false;
  try {
    const cert = new X509Certificate(await options.fetchCertificate(m.SigningCertURL));
    ok = verify(algorithm, Buffer.from(text), cert.publicKey, Buffer.from(m.Signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) return refused('bad signature');
  if (!options.topicArns.includes(m.TopicArn)) return refused('topic not configured');
  const at = Date.parse(m.Timestamp) / 1000;
  if (!Number.isFinite(at) || Math.abs(options.nowSeconds - at) > SNS_REPLAY_WINDOW_SECONDS)
    return refused('outside the replay window');
  return accepted;
}

interface SesRecipient {
  emailAddress?: string;
  status?: string;
  diagnosticCode?: string;
}

/** The feedback in an SES notification (`Message` of an SNS Notification). */
export function sesEvents(snsMessageId: string, message: string): WebhookEvent[] {
  // biome-ignore lint/suspicious/noExplicitAny: SES's JSON, every field read below is checked or defaulted
  let n: Record<string, any>;
  try {
    n = JSON.parse(message);
  } catch {
    return [];
  }
  if (!n || typeof n !== 'object') return [];
  const type = n.notificationType ?? n.eventType;
  const mail = n.mail ?? {};
  const messageId =
    typeof mail.commonHeaders?.messageId === 'string' ? mail.commonHeaders.messageId : undefined;
  const base = (email: string | undefined, i: number) => ({
    email: email?.toLowerCase(),
    returnPath: typeof mail.source === 'string' ? mail.source : undefined,
    messageId,
    eventId: `ses:${snsMessageId}:${i}`,
    origin: 'ses webhook',
  });
  if (type === 'Bounce') {
    const b = n.bounce ?? {};
    const recipients: SesRecipient[] = Array.isArray(b.bouncedRecipients) ? b.bouncedRecipients : [];
    return recipients.map((r, i) => ({
      ...base(r.emailAddress, i),
      kind: 'bounce' as const,
      severity:
        b.bounceType === 'Permanent'
          ? (bounceSeverity('failed', r.status ?? '5.0.0') ?? 'hard')
          : ('soft' as const),
      detail: oneLineDetail(`${b.bounceType}/${b.bounceSubType} ${r.status ?? ''} ${r.diagnosticCode ?? ''}`),
    }));
  }
  if (type === 'Complaint') {
    const c = n.complaint ?? {};
    const recipients: SesRecipient[] = Array.isArray(c.complainedRecipients) ? c.complainedRecipients : [];
    if (c.complaintFeedbackType === 'not-spam') return [];
    return recipients.map((r, i) => ({
      ...base(r.emailAddress, i),
      kind: 'complaint' as const,
      detail: oneLineDetail(`complaint ${c.complaintFeedbackType ?? ''}`),
    }));
  }
  return [];
}
