/**
 * What an inbound message reports (no I/O): a delivery status notification (RFC 3464
 * `multipart/report; report-type=delivery-status`), a complaint (ARF, RFC 5965
 * `report-type=feedback-report`), a non-standard bounce, or nothing we act on.
 *
 * The MIME is parsed by mailparser (the same library the tests read our own digests with). No npm
 * package reads the report fields well (README, "Dependencies"), but they are simple: RFC 3464 and
 * RFC 5965 both use RFC 822 header syntax in blank-line-separated groups, read by `reportFields`.
 * The quoted original (message/rfc822 or text/rfc822-headers) gives its Message-ID and Return-Path,
 * which name our edition and subscriber when the report came to another address.
 */
import { type ParsedMail, simpleParser } from 'mailparser';

export interface DsnRecipient {
  /** The address as the reporting MTA wrote it (`rfc822;` stripped), lower case. */
  finalRecipient: string | undefined;
  /** failed, delayed, delivered, relayed, expanded. */
  action: string;
  /** Enhanced status code, e.g. 5.1.1 (RFC 3463). */
  status: string;
  diagnostic: string | undefined;
}

export interface OriginalMessage {
  messageId: string | undefined;
  returnPath: string | undefined;
}

export type FeedbackReport =
  | {
      type: 'dsn';
      reportingMta: string | undefined;
      recipients: DsnRecipient[];
      original: OriginalMessage;
      /** True when no standard report part was found and the status came from the text. */
      nonStandard: boolean;
    }
  | {
      type: 'arf';
      /** abuse, fraud, virus, other, not-spam (RFC 5965 section 7.3). */
      feedbackType: string;
      userAgent: string | undefined;
      reportingMta: string | undefined;
      originalMailFrom: string | undefined;
      originalRcptTo: string | undefined;
      original: OriginalMessage;
    }
  | { type: 'other'; subject: string; original: OriginalMessage }
  | { type: 'unreadable'; reason: string };

const PARSE_OPTIONS = {
  keepDeliveryStatus: true,
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  maxHtmlLengthToParse: 0,
} as const;

/** Enhanced status codes in free text: `550 5.1.1`, `5.2.2`. */
const STATUS_IN_TEXT = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

/**
 * Groups of `Name: value` fields (names lower case, folded lines joined, repeated names joined with
 * a newline), one group per blank-line-separated block.
 */
export function reportFields(text: string): Array<Record<string, string>> {
  const groups: Array<Record<string, string>> = [];
  let group: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(group).length) groups.push(group);
      group = {};
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      group[last] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    group[name] = group[name] === undefined ? value : `${group[name]}\n${value}`;
    last = name;
  }
  if (Object.keys(group).length) groups.push(group);
  return groups;
}

/** `rfc822; user@example.com` or `<user@example.com>` → `user@example.com`. */
export function addressField(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const afterType = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  const address = afterType.trim().replace(/^<|>$/g, '').trim().toLowerCase();
  return address && address.length <= 320 ? address : undefined;
}

function originalOf(text: string | undefined): OriginalMessage {
  if (!text) return { messageId: undefined, returnPath: undefined };
  const head = text.replace(/\r\n?/g, '\n').split('\n\n', 1)[0] ?? '';
  const fields = reportFields(head)[0] ?? {};
  const messageId = fields['message-id']?.split('\n')[0]?.trim();
  return {
    messageId: messageId ? messageId.replace(/^<?/, '<').replace(/>?$/, '>') : undefined,
    returnPath: addressField(fields['return-path']?.split('\n')[0]),
  };
}

/**
 * The quoted original's header block when mailparser did not hand it over as an attachment: it reads
 * an inline message/rfc822 part (as in the RFC 5965 example) as part of the body.
 */
function quotedInline(raw: Buffer): string | undefined {
  const text = raw.subarray(0, Math.min(raw.length, 256_000)).toString('latin1');
  const m = /^content-type:[ \t]*(message\/rfc822|text\/rfc822-headers)/im.exec(text);
  if (!m) return undefined;
  const partBody = text.slice(m.index).search(/\r?\n\r?\n/);
  return partBody === -1 ? undefined : text.slice(m.index + partBody).replace(/^\s+/, '');
}

const textOf = (content: Buffer | string): string =>
  typeof content === 'string' ? content : content.toString('utf8');

export async function parseFeedbackMessage(raw: Buffer): Promise<FeedbackReport> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, PARSE_OPTIONS);
  } catch (err) {
    return { type: 'unreadable', reason: `not a readable message (${(err as Error).message.slice(0, 80)})` };
  }
  const parts = mail.attachments ?? [];
  const find = (...types: string[]) => parts.find((a) => types.includes(a.contentType.toLowerCase()));
  const quoted = find('message/rfc822', 'text/rfc822-headers');
  const original = originalOf(quoted ? textOf(quoted.content) : quotedInline(raw));
  const headerId = (name: string) => {
    const v = mail.headers.get(name);
    return typeof v === 'string' ? v.trim().split(/\s+/)[0] : undefined;
  };
  // Exchange and Gmail quote the digest's Message-ID as In-Reply-To/References as well.
  original.messageId ??= headerId('in-reply-to');

  const status = find('message/delivery-status', 'message/global-delivery-status');
  if (status) {
    const [perMessage = {}, ...perRecipient] = reportFields(textOf(status.content));
    const recipients = perRecipient
      .filter((g) => g.action || g.status)
      .map((g) => ({
        finalRecipient: addressField(g['final-recipient'] ?? g['original-recipient']),
        action: (g.action ?? '').toLowerCase(),
        status: STATUS_IN_TEXT.exec(g.status ?? '')?.[0] ?? '',
        diagnostic: g['diagnostic-code']?.replace(/^[^;]*;\s*/, '').slice(0, 300),
      }));
    original.messageId ??= perMessage['x-original-message-id']?.trim();
    if (recipients.length === 0) return { type: 'unreadable', reason: 'delivery report without a recipient' };
    return {
      type: 'dsn',
      reportingMta: addressField(perMessage['reporting-mta']),
      recipients,
      original,
      nonStandard: false,
    };
  }

  const feedback = find('message/feedback-report');
  if (feedback) {
    const f = reportFields(textOf(feedback.content))[0] ?? {};
    return {
      type: 'arf',
      feedbackType: (f['feedback-type'] ?? 'other').toLowerCase().split('\n')[0]!,
      userAgent: f['user-agent']?.split('\n')[0],
      reportingMta: addressField(f['reporting-mta']),
      originalMailFrom: addressField(f['original-mail-from']?.split('\n')[0]),
      originalRcptTo: addressField(f['original-rcpt-to']?.split('\n')[0]),
      original,
    };
  }

  const subject = mail.subject ?? '';
  const contentType = mail.headers.get('content-type') as { value?: string } | undefined;
  if (contentType?.value?.toLowerCase() === 'multipart/report') {
    return { type: 'unreadable', reason: 'a report without a delivery-status or feedback-report part' };
  }
  // Bounces that are not RFC 3464 (older qmail, some appliances): from the mailer daemon, with an
  // enhanced status code in the text. Anything else (an auto-reply, a person writing back) is not one.
  const from = mail.from?.value[0]?.address?.toLowerCase() ?? '';
  const fromDaemon = /^(mailer-daemon|postmaster|mail-daemon)@/.test(from);
  const code = fromDaemon ? STATUS_IN_TEXT.exec(mail.text ?? '') : null;
  if (code && code[1] !== '2') {
    return {
      type: 'dsn',
      reportingMta: from.split('@')[1],
      recipients: [
        {
          finalRecipient: undefined,
          action: 'failed',
          status: code[0],
          diagnostic: (mail.text ?? '').trim().slice(0, 300),
        },
      ],
      original,
      nonStandard: true,
    };
  }
  return { type: 'other', subject: subject.slice(0, 120), original };
}
