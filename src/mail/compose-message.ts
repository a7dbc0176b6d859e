/**
 * Per-recipient MIME assembly (pure, the hot path): headers with the recipient's address, a
 * deterministic Message-ID and their one-click unsubscribe link, then the bodies the personaliser
 * filled. Nothing here is computed that could have been computed once per variant (see message-frame).
 * The bodies arrive with CRLF line ends already: templates are normalised once per variant.
 */
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import type { Personaliser } from '../render/personalise.ts';
import type { MessageFrame } from './message-frame.ts';
import { dateHeader, encodeMailbox } from './message-frame.ts';

export interface ComposeRecipient {
  subscriberId: string;
  email: string;
  name: string;
  format: 'html' | 'text';
  unsubscribeUrl: string;
  /** The message's own signed bounce address (VERP, src/feedback/feedback-address.ts); else the sender's. */
  returnPath?: string | undefined;
  /** The recipient's signed `mailto:` unsubscribe address; else the frame's. */
  unsubscribeMailto?: string | undefined;
}

export interface ComposedMessage {
  messageId: string;
  envelope: { from: string; to: string };
  raw: string | Buffer;
  /** True when `raw` is exactly the SMTP DATA stage (dot-stuffed, ending with the "." line). */
  dotStuffed?: boolean;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** The string path's message (unstuffed). */
export interface StringMessage extends ComposedMessage {
  raw: string;
}

/** Deterministic per (edition, subscriber), so a deliberate resend is recognisable as the same message. */
export const digestMessageId = (editionId: string, subscriberId: string, domain: string): string =>
  `<${editionId}.${subscriberId}@${domain}>`;

function base64Lines(text: string): string {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\r\n');
}

export const partHeader = (type: 'plain' | 'html', encoding: '7bit' | 'quoted-printable' | 'base64') =>
  `Content-Type: text/${type}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n`;

/**
 * One body part: 7bit when the frame found the template safe and the filled body is ASCII; else the
 * text as quoted-printable (readable, and only a few lines change per recipient, see message-template)
 * and the HTML as base64.
 */
export function part(type: 'plain' | 'html', body: string, sevenBit: boolean): string {
  if (sevenBit && !NON_ASCII.test(body)) return `${partHeader(type, '7bit')}\r\n${body}`;
  if (type === 'plain') return `${partHeader(type, 'quoted-printable')}\r\n${qpWrap(qpEncode(body), 76)}`;
  return `${partHeader(type, 'base64')}\r\n${base64Lines(body)}`;
}

/**
 * The header block up to MIME-Version (the recipient's To, Message-ID and unsubscribe link, and the
 * Date of the hand-off): built per message, so a signature over it covers these values too.
 */
export function headerBlock(
  frame: MessageFrame,
  recipient: ComposeRecipient,
  messageId: string,
  to: string,
  date: Date,
): string {
  return (
    `From: ${frame.fromHeader}\r\n` +
    `To: ${to}\r\n` +
    `Subject: ${frame.subjectHeader}\r\n` +
    `Date: ${dateHeader(date)}\r\n` +
    `Message-ID: ${messageId}\r\n` +
    `List-Id: ${frame.listIdHeader}\r\n` +
    `List-Unsubscribe: <${recipient.unsubscribeUrl}>, <${recipient.unsubscribeMailto ? `mailto:${recipient.unsubscribeMailto}?subject=unsubscribe` : frame.unsubscribeMailto}>\r\n` +
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n' +
    (frame.replyToHeader ? `Reply-To: ${frame.replyToHeader}\r\n` : '') +
    'MIME-Version: 1.0\r\n'
  );
}

export function composeMessage(
  frame: MessageFrame,
  recipient: ComposeRecipient,
  body: { html: string; text: string },
  /** The time of the hand-off (the Date header). */
  date: Date,
): StringMessage {
  const messageId = digestMessageId(frame.editionId, recipient.subscriberId, frame.domain);
  let head = headerBlock(frame, recipient, messageId, encodeMailbox(recipient.name, recipient.email), date);
  let raw: string;
  if (recipient.format === 'text') {
    raw = `${head}${part('plain', body.text, frame.textIs7bit)}\r\n`;
  } else {
    const b = frame.boundary;
    head += `Content-Type: multipart/alternative; boundary="${b}"\r\n\r\n`;
    raw =
      `${head}--${b}\r\n${part('plain', body.text, frame.textIs7bit)}\r\n` +
      `--${b}\r\n${part('html', body.html, frame.htmlIs7bit)}\r\n--${b}--\r\n`;
  }
  return {
    messageId,
    envelope: { from: recipient.returnPath ?? frame.envelopeFrom, to: recipient.email },
    raw,
  };
}

/**
 * The string path for one recipient: the Handlebars personaliser fills the bodies, composeMessage
 * frames them. What the send step falls back to, and the reference its byte template is tested against.
 */
export function composePersonalised(
  frame: MessageFrame,
  personalise: Personaliser,
  recipient: ComposeRecipient & { preferencesUrl: string; timezone?: string | undefined },
  date: Date,
): StringMessage {
  const { name, email, unsubscribeUrl, preferencesUrl, timezone } = recipient;
  return composeMessage(
    frame,
    recipient,
    personalise({ name, email, unsubscribeUrl, preferencesUrl, timezone }),
    date,
  );
}
