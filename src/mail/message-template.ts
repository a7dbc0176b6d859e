/**
 * A variant's whole message as bytes, prepared once per variant (pure): the MIME structure and the
 * bodies become static byte pieces (ASCII, CRLF line ends, their SMTP dot-stuffing already found),
 * between slots for the recipient's name, address and links. The HTML is 7bit; the text part is 7bit
 * when it can be, else quoted-printable with only its few lines that hold a slot encoded per
 * recipient. Per recipient `fill` escapes four short values and copies the pieces into one Buffer:
 * no 80 KB string is built, encoded to UTF-8 or scanned again, and the SMTP DATA stage can take the
 * bytes as they are (`dotStuffed`).
 *
 * The digest's dates are the reader's (src/render/date-slots.ts): the source holds `{{dates.[N]}}`
 * slots, and each distinct list of date strings (one per group of zones that read the dates alike)
 * resolves them into static bytes once, so a recipient costs no more with dates than without.
 *
 * The output is byte for byte what `personalise` + `composeMessage` produce (after Nodemailer's DATA
 * stream when stuffed): tests/unit/message-template.test.ts compares them on real variants. A variant
 * source that is not plain text with those four placeholders (an operator's template could contain
 * anything) returns undefined from `createMessageTemplate`, and the caller uses the string path.
 */
import Handlebars from 'handlebars';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { escapeHtmlAscii, httpOnly, oneLine } from '../render/personalise.ts';
import {
  type ComposedMessage,
  type ComposeRecipient,
  digestMessageId,
  headerBlock,
  partHeader,
} from './compose-message.ts';
import { type RelaxedBodyHash, type RelaxedPiece, relaxedPiece } from './dkim-relaxed-body.ts';
import type { DkimSigner } from './dkim-signer.ts';
import type { MessageFrame } from './message-frame.ts';
import { encodeMailbox } from './message-frame.ts';

/** The placeholders a compiled variant may hold (build-variant.ts). */
const SLOT_PATHS = {
  'recipient.name': 'name',
  'recipient.email': 'email',
  'links.unsubscribe': 'unsubscribe',
  'links.preferences': 'preferences',
} as const;
type Slot = (typeof SLOT_PATHS)[keyof typeof SLOT_PATHS];
/** A placeholder in a piece list (an object, so no text can be mistaken for one). */
interface SlotRef {
  slot: Slot;
}
/** `{{dates.[N]}}`: the N-th of the reader's date strings, resolved per list of dates. */
interface DateRef {
  date: number;
}

export interface TemplateRecipient extends ComposeRecipient {
  preferencesUrl: string;
  /** The reader's zone (the prepared variant picks the date strings with it). */
  timezone?: string | undefined;
}

export interface ComposeOptions {
  /** Return the SMTP DATA stage bytes (dot-stuffed, ending with the "." line). */
  dotStuffed: boolean;
  /** The time of the hand-off, the message's Date header (the send step's clock, per message). */
  date: Date;
  /**
   * Memory to write the message into when it fits (the caller's previous message, once the server
   * accepted it: see `messageMemory`). An 80 KB allocation per message was most of the worker's GC.
   */
  scratch?: Buffer | undefined;
}

/** The whole memory behind a composed message, for reuse as `scratch` after the message is sent. */
export const messageMemory = (raw: Buffer): Buffer => Buffer.from(raw.buffer, raw.byteOffset);

/** Static bytes with the offsets of the dots that begin a line inside them (offset > 0). */
interface Bytes {
  bytes: Buffer;
  innerDots: number[];
  /** Its relaxed canonical form for DKIM's body hash, made on the first signed message. */
  relaxed?: RelaxedPiece;
}
type Piece = Bytes | SlotRef;
type SourcePiece = string | SlotRef;
type DatedPiece = SourcePiece | DateRef;
/** A text line holding a slot, quoted-printable-encoded per recipient (only these lines are). */
interface DynamicLine {
  parts: SourcePiece[];
  crlf: boolean;
}

/** A variant's message before its dates are known: the source split into text, slots and dates. */
export interface MessageTemplate {
  html: DatedPiece[];
  text: DatedPiece[];
  frame: MessageFrame;
  /** Per list of date strings (by identity: date-slots.ts shares one array per distinct list). */
  resolved: Map<readonly string[], ResolvedTemplate>;
}

/** The template with its dates written in: static bytes and the recipient's slots only. */
export interface ResolvedTemplate {
  /** Pieces of the text body as 7bit, when its source is ASCII with short lines. */
  text7bit: Piece[] | undefined;
  /** The text body as quoted-printable: static lines encoded once, lines with a slot per recipient. */
  textQp: Array<Bytes | DynamicLine>;
  html: Piece[];
  frame: MessageFrame;
}

const NON_ASCII = /[^\x00-\x7f]/;
const LF = 0x0a;
const DOT = 0x2e;
/** Every message ends with CRLF, so the end of data is a "." line. */
const END = Buffer.from('.\r\n');

function bytesOf(text: string): Bytes {
  const bytes = Buffer.from(text, 'latin1');
  const innerDots: number[] = [];
  for (let i = text.indexOf('\n.'); i !== -1; i = text.indexOf('\n.', i + 1)) innerDots.push(i + 1);
  return { bytes, innerDots };
}

const toBytes = (pieces: SourcePiece[]): Piece[] =>
  pieces.map((p) => (typeof p === 'string' ? bytesOf(p) : p));

/** The source as static text, slots and dates, or undefined if it holds anything else. */
function piecesOf(source: string): DatedPiece[] | undefined {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch {
    return undefined;
  }
  const pieces: DatedPiece[] = [];
  for (const node of program.body) {
    if (node.type === 'ContentStatement') {
      const value = (node as hbs.AST.ContentStatement).value;
      if (value) pieces.push(value);
      continue;
    }
    if (node.type !== 'MustacheStatement') return undefined;
    const m = node as hbs.AST.MustacheStatement;
    if (m.params.length || m.hash || m.path.type !== 'PathExpression') return undefined;
    const path = m.path as hbs.AST.PathExpression;
    if (path.parts.length === 2 && path.parts[0] === 'dates' && /^\d{1,4}$/.test(String(path.parts[1]))) {
      pieces.push({ date: Number(path.parts[1]) });
      continue;
    }
    const slot = SLOT_PATHS[(m.path as hbs.AST.PathExpression).original as keyof typeof SLOT_PATHS];
    if (!slot) return undefined;
    pieces.push({ slot });
  }
  return pieces;
}

/** Quoted-printable of one line and its CRLF, as composeMessage encodes the whole text (see the test). */
const qpLine = (line: string, crlf: boolean): string => qpWrap(qpEncode(crlf ? `${line}\r\n` : line), 76);

/**
 * The text split into lines: lines without a slot encoded now, the others kept for the recipient.
 * The encoded lines between two slot lines are one piece: a digest's text has a hundred or more lines
 * and only a few slots, and each piece costs the per-recipient fill a copy call.
 */
function qpLinesOf(pieces: SourcePiece[]): Array<Bytes | DynamicLine> {
  const out: Array<Bytes | DynamicLine> = [];
  let line: SourcePiece[] = [];
  let encoded = '';
  const flushEncoded = () => {
    if (encoded) out.push(bytesOf(encoded));
    encoded = '';
  };
  const close = (crlf: boolean) => {
    if (line.some((p) => typeof p !== 'string')) {
      flushEncoded();
      out.push({ parts: line, crlf });
    } else encoded += qpLine(line.join(''), crlf);
    line = [];
  };
  for (const p of pieces) {
    if (typeof p !== 'string') {
      line.push(p);
      continue;
    }
    const lines = p.split('\r\n');
    lines.forEach((text, i) => {
      if (i > 0) close(true);
      if (text) line.push(text);
    });
  }
  if (line.length) close(false);
  flushEncoded();
  return out;
}

export function createMessageTemplate(
  frame: MessageFrame,
  source: { html: string; text: string },
): MessageTemplate | undefined {
  if (!frame.htmlIs7bit) return undefined;
  const html = piecesOf(source.html);
  const text = piecesOf(source.text);
  if (!html || !text) return undefined;
  return { html, text, frame, resolved: new Map() };
}

const NO_DATES: readonly string[] = Object.freeze([]);
/** More distinct lists than this means a caller builds a new array per message: start over. */
const MAX_RESOLVED = 64;

/** The template for one list of date strings, built on its first recipient. */
export function resolveDates(t: MessageTemplate, dates: readonly string[]): ResolvedTemplate {
  let r = t.resolved.get(dates);
  if (r) return r;
  const html = withDates(t.html, (i) => escapeHtmlAscii(dates[i] ?? ''));
  const text = withDates(t.text, (i) => dates[i] ?? '');
  // A date outside ASCII makes every text part of this list quoted-printable, as composeMessage does.
  const textAscii = !dates.some((d) => NON_ASCII.test(d));
  r = {
    html: toBytes(html),
    text7bit: t.frame.textIs7bit && textAscii ? toBytes(text) : undefined,
    textQp: qpLinesOf(text),
    frame: t.frame,
  };
  if (t.resolved.size >= MAX_RESOLVED) t.resolved.clear();
  t.resolved.set(dates, r);
  return r;
}

/** Date refs written as text, neighbouring text joined into one piece. */
function withDates(pieces: DatedPiece[], value: (i: number) => string): SourcePiece[] {
  const out: SourcePiece[] = [];
  for (const p of pieces) {
    const text = typeof p === 'string' ? p : 'date' in p ? value(p.date) : undefined;
    const last = out.length - 1;
    if (text === undefined) out.push(p as SlotRef);
    else if (typeof out[last] === 'string') out[last] = `${out[last]}${text}`;
    else if (text) out.push(text);
  }
  return out;
}

/**
 * One recipient's message. `dotStuffed` returns the bytes of the SMTP DATA stage instead: dot-stuffed
 * (RFC 5321 4.5.2) and ending with the "." line.
 */
export function fillMessageTemplate(
  t: MessageTemplate,
  r: TemplateRecipient,
  options: ComposeOptions,
  /** The reader's date strings (date-slots.ts `dateFiller`); none for a variant without date slots. */
  dates: readonly string[] = NO_DATES,
): ComposedMessage {
  const { w, message } = writeMessage(resolveDates(t, dates), r, options.dotStuffed, options.date, undefined);
  return { ...message, raw: w.finish(options.scratch) };
}

/**
 * The same message signed with DKIM: the body hash is taken from the pieces as they are copied (each
 * static piece canonicalised once per variant), the signature is made off the event loop, and the
 * DKIM-Signature field goes first. Dot-stuffing does not change what is signed: the hash sees the
 * pieces, not the stuffed bytes.
 */
export async function fillSignedMessageTemplate(
  t: MessageTemplate,
  r: TemplateRecipient,
  options: ComposeOptions,
  dkim: DkimSigner,
  dates: readonly string[] = NO_DATES,
): Promise<ComposedMessage> {
  const { w, message } = writeMessage(resolveDates(t, dates), r, options.dotStuffed, options.date, dkim);
  w.prepend(await w.signatureField());
  return { ...message, raw: w.finish(options.scratch) };
}

function writeMessage(
  t: ResolvedTemplate,
  r: TemplateRecipient,
  dotStuffed: boolean,
  date: Date,
  dkim: DkimSigner | undefined,
): { w: ByteWriter; message: Omit<ComposedMessage, 'raw'> } {
  const frame = t.frame;
  const messageId = digestMessageId(frame.editionId, r.subscriberId, frame.domain);
  const values: Record<Slot, string> = {
    name: oneLine(r.name),
    email: r.email,
    unsubscribe: httpOnly(r.unsubscribeUrl),
    preferences: httpOnly(r.preferencesUrl),
  };
  const w = new ByteWriter(dotStuffed, dkim);
  w.string(headerBlock(frame, r, messageId, encodeMailbox(r.name, r.email), date));
  const b = frame.boundary;
  const multipart = r.format !== 'text';
  if (multipart) {
    w.string(`Content-Type: multipart/alternative; boundary="${b}"\r\n`);
    w.startBody();
    w.string(`--${b}\r\n`);
  }
  // A value outside ASCII makes this recipient's text part quoted-printable, as composeMessage does.
  const text7bit =
    t.text7bit && !Object.values(values).some((v) => NON_ASCII.test(v)) ? t.text7bit : undefined;
  w.string(partHeader('plain', text7bit ? '7bit' : 'quoted-printable'));
  if (multipart) w.string('\r\n');
  else w.startBody();
  if (text7bit) {
    w.pieces(text7bit, values);
  } else {
    for (const line of t.textQp) {
      if ('bytes' in line) w.bytes(line);
      else
        w.string(
          qpLine(line.parts.map((p) => (typeof p === 'string' ? p : values[p.slot])).join(''), line.crlf),
        );
    }
  }
  if (multipart) {
    w.string(`\r\n--${b}\r\n${partHeader('html', '7bit')}\r\n`);
    w.pieces(t.html, {
      name: escapeHtmlAscii(values.name),
      email: escapeHtmlAscii(values.email),
      unsubscribe: escapeHtmlAscii(values.unsubscribe),
      preferences: escapeHtmlAscii(values.preferences),
    });
    w.string(`\r\n--${b}--\r\n`);
  } else {
    w.string('\r\n');
  }
  return {
    w,
    message: { messageId, envelope: { from: r.returnPath ?? frame.envelopeFrom, to: r.email }, dotStuffed },
  };
}

/**
 * Collects static Buffers and short strings, then copies them into one Buffer. It knows whether the
 * next byte starts a line, which is all dot-stuffing needs: a dot there is doubled. With a DKIM signer
 * it keeps the header text and feeds the body to the body hash as it is given (unstuffed).
 */
class ByteWriter {
  private readonly parts: Array<string | Bytes> = [];
  private length = 0;
  private head = '';
  private body: RelaxedBodyHash | undefined;

  constructor(
    private readonly stuff: boolean,
    private readonly signer: DkimSigner | undefined,
  ) {}

  string(s: string): void {
    if (!s) return;
    this.parts.push(s);
    this.length += Buffer.byteLength(s);
    if (!this.signer) return;
    if (this.body) this.body.text(s);
    else this.head += s;
  }

  /** The empty line after the header; what follows is the body. */
  startBody(): void {
    this.parts.push('\r\n');
    this.length += 2;
    if (this.signer) this.body = this.signer.bodyHash();
  }

  bytes(p: Bytes): void {
    this.parts.push(p);
    this.length += p.bytes.length + (this.stuff ? p.innerDots.length : 0);
    if (this.body) {
      p.relaxed ??= relaxedPiece(p.bytes.toString('latin1'), true);
      this.body.piece(p.relaxed);
    }
  }

  pieces(pieces: Piece[], values: Record<Slot, string>): void {
    for (const p of pieces) {
      if ('slot' in p) this.string(values[p.slot]);
      else this.bytes(p);
    }
  }

  /** With stuffing, the bytes end with the DATA terminator line, exactly what the DATA stage sends. */
  /** The DKIM-Signature field over what was written (the body is complete). */
  signatureField(): Promise<string> {
    if (!this.signer || !this.body) throw new Error('nothing to sign: no signer, or no body yet');
    return this.signer.signatureField(this.head, this.body.digest());
  }

  /** A header field (ASCII, ending with CRLF) before everything else. */
  prepend(field: string): void {
    this.parts.unshift(field);
    this.length += field.length;
  }

  finish(scratch: Buffer | undefined): Buffer {
    const need = this.length + (this.stuff ? this.stuffStrings() + END.length : 0);
    // Room to spare, so the lane's next (slightly longer) message fits the same memory.
    const out = scratch && scratch.length >= need ? scratch : Buffer.allocUnsafeSlow(need + (need >> 3));
    let pos = 0;
    let lineStart = true;
    for (const p of this.parts) {
      if (typeof p === 'string') {
        // Strings were stuffed by stuffStrings, static pieces are stuffed here from their offsets.
        pos += out.write(p, pos, 'utf8');
        lineStart = p.charCodeAt(p.length - 1) === LF;
        continue;
      }
      const src = p.bytes;
      if (src.length === 0) continue;
      if (this.stuff && lineStart && src[0] === DOT) out[pos++] = DOT;
      let from = 0;
      if (this.stuff) {
        for (const at of p.innerDots) {
          pos += src.copy(out, pos, from, at);
          out[pos++] = DOT;
          from = at;
        }
      }
      pos += src.copy(out, pos, from);
      lineStart = src[src.length - 1] === LF;
    }
    if (this.stuff) pos += END.copy(out, pos);
    return out.subarray(0, pos);
  }

  /**
   * Stuffs the string parts in place and returns the bytes that adds, plus one per static piece that
   * begins with a dot at a line start (its own inner dots are counted already).
   */
  private stuffStrings(): number {
    let n = 0;
    let lineStart = true;
    this.parts.forEach((p, i) => {
      if (typeof p === 'string') {
        const stuffed = stuffString(p, lineStart);
        n += stuffed.length - p.length;
        this.parts[i] = stuffed;
        lineStart = p.charCodeAt(p.length - 1) === LF;
      } else if (p.bytes.length > 0) {
        if (lineStart && p.bytes[0] === DOT) n++;
        lineStart = p.bytes[p.bytes.length - 1] === LF;
      }
    });
    return n;
  }
}

function stuffString(s: string, lineStart: boolean): string {
  const inner = s.includes('\n.') ? s.replace(/\n\./g, '\n..') : s;
  return lineStart && inner.charCodeAt(0) === DOT ? `.${inner}` : inner;
}
