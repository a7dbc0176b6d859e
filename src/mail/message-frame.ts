/**
 * The MIME frame of one variant (pure): everything about a digest message that is the same for every
 * recipient is encoded once here (From, Subject, List-Id, boundaries, which transfer encoding the
 * body can use); `composeMessage` then only fills the recipient's slots and joins strings.
 *
 * The HTML body goes out as 7bit when the compiled variant is ASCII with short lines (the renderer
 * emits non-ASCII as character references for exactly this reason), so no per-recipient
 * quoted-printable pass over 80 KB; otherwise, and for the text part when it is not ASCII, base64.
 */
import { randomBytes } from 'node:crypto';
import { encodeWords } from 'nodemailer/lib/mime-funcs';

export interface FrameInput {
  editionId: string;
  publication: {
    id: string;
    name: string;
    from: { name: string; address: string };
    replyTo?: string | undefined;
  };
  subject: string;
  /** Handlebars-filled bodies are produced by `personalise`; the frame only knows their shape. */
  htmlTemplate: string;
  textTemplate: string;
}

export interface MessageFrame {
  editionId: string;
  domain: string;
  fromHeader: string;
  envelopeFrom: string;
  subjectHeader: string;
  listIdHeader: string;
  replyToHeader: string | undefined;
  boundary: string;
  unsubscribeMailto: string;
  htmlIs7bit: boolean;
  textIs7bit: boolean;
}

const NON_ASCII = /[^\x00-\x7f]/;
// Room for a recipient's links and name on a line that holds a placeholder.
const SLOT_ROOM = 400;

export const stripLineBreaks = (value: string): string => value.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();

export function longestLine(text: string): number {
  let max = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
    max = Math.max(max, i - start);
    start = i + 1;
  }
  return Math.max(max, text.length - start);
}

export const is7bitSafe = (text: string): boolean =>
  !NON_ASCII.test(text) && longestLine(text) + SLOT_ROOM < 998;

/**
 * The Date header (RFC 5322) of a message: the time it is handed to the relay, given per message by
 * the send step, never the edition's scheduled time (an old edition resent today is dated today).
 */
export const dateHeader = (date: Date): string => date.toUTCString().replace('GMT', '+0000');

export function encodeMailbox(name: string, address: string): string {
  const clean = stripLineBreaks(name);
  if (!clean) return `<${address}>`;
  const display = NON_ASCII.test(clean)
    ? encodeWords(clean, 'Q', 52, true)
    : `"${clean.replace(/["\\]/g, '\\$&')}"`;
  return `${display} <${address}>`;
}

export function createMessageFrame(input: FrameInput): MessageFrame {
  const { publication } = input;
  const domain = publication.from.address.split('@')[1] ?? 'localhost';
  const subject = stripLineBreaks(input.subject);
  return {
    editionId: input.editionId,
    domain,
    fromHeader: encodeMailbox(publication.from.name, publication.from.address),
    envelopeFrom: publication.from.address,
    subjectHeader: NON_ASCII.test(subject) ? encodeWords(subject, 'Q', 52, true) : subject,
    listIdHeader: encodeMailbox(publication.name, `${publication.id}.${domain}`),
    replyToHeader: publication.replyTo ? `<${publication.replyTo}>` : undefined,
    // A boundary that cannot occur in base64 or in our HTML (it contains "=_").
    boundary: `=_nd_${randomBytes(12).toString('hex')}`,
    unsubscribeMailto: `mailto:${publication.from.address}?subject=unsubscribe`,
    htmlIs7bit: is7bitSafe(input.htmlTemplate),
    textIs7bit: is7bitSafe(input.textTemplate),
  };
}
