/**
 * Nodemailer's SMTP DATA stream (smtp-connection/data-stream.js) dot-stuffs and fixes line ends with a
 * JavaScript loop over every byte: with ~80 KB digests it was the largest single cost of a send
 * worker (about a quarter of its CPU, see BENCHMARKS.md). `stuffChunk` produces exactly the same
 * bytes, but finds the few places that need an insertion with one native regex scan, and
 * `installFastDotStuffing` puts it in place of that loop. The output is unchanged byte for byte
 * (tests/unit/fast-dot-stuffing.test.ts compares it with nodemailer's own transform on random input),
 * and if a nodemailer release moves or reshapes the class, nothing is patched and the original runs.
 */
import { createRequire } from 'node:module';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const INSERT_LF = Buffer.from('\n');
const INSERT_LF_DOT = Buffer.from('\n.');
const INSERT_CR = Buffer.from('\r');
const INSERT_DOT = Buffer.from('.');
/** A CR not followed by LF (inside the chunk), an LF not after CR, or a dot after a line end. */
const NEEDS_INSERT = /\r(?!\n|$)|(?<!\r)\n|\n\./g;

/**
 * One chunk of the DATA stream, stuffed: the same rules as nodemailer's DataStream._transform (a bare
 * CR or LF becomes CRLF, a dot at the start of a line is doubled, a dot after a bare CR too).
 * `lastByte` is the previous chunk's last byte (false before the first chunk). Returns `chunk`
 * itself when nothing needs inserting.
 */
export function stuffChunk(chunk: Buffer, lastByte: number | false): Buffer {
  const len = chunk.length;
  const at: number[] = [];
  const insert: Buffer[] = [];
  const add = (i: number, b: Buffer) => {
    at.push(i);
    insert.push(b);
  };
  const first = chunk[0];
  if (lastByte === CR && first !== LF) add(0, first === DOT ? INSERT_LF_DOT : INSERT_LF);
  else if (first === LF && lastByte !== CR) add(0, INSERT_CR);
  else if (first === DOT && (lastByte === LF || lastByte === false)) add(0, INSERT_DOT);

  // latin1 maps each byte to one character, so string indexes are byte offsets.
  const text = chunk.toString('latin1');
  NEEDS_INSERT.lastIndex = 0;
  for (let m = NEEDS_INSERT.exec(text); m; m = NEEDS_INSERT.exec(text)) {
    const p = m.index;
    if (text.charCodeAt(p) === CR) {
      add(p + 1, chunk[p + 1] === DOT ? INSERT_LF_DOT : INSERT_LF);
    } else if (m[0].length === 2) {
      add(p + 1, INSERT_DOT); // CRLF then a dot
    } else {
      // A bare LF; at offset 0 the previous chunk decided (above).
      if (p > 0) add(p, INSERT_CR);
      if (chunk[p + 1] === DOT) add(p + 1, INSERT_DOT);
    }
  }
  if (at.length === 0) return chunk;
  const parts: Buffer[] = [];
  let from = 0;
  for (let k = 0; k < at.length; k++) {
    if (at[k]! > from) parts.push(chunk.subarray(from, at[k]));
    parts.push(insert[k]!);
    from = at[k]!;
  }
  if (from < len) parts.push(chunk.subarray(from));
  return Buffer.concat(parts);
}

interface DataStreamLike {
  inByteCount: number;
  outByteCount: number;
  lastByte: number | false;
  /** Set when a DATA-ready Buffer already carried the final "." line. */
  terminated?: boolean;
  push(chunk: Buffer): boolean;
}
export type Transform = (this: DataStreamLike, chunk: Buffer | string, enc: string, done: () => void) => void;
type Flush = (this: DataStreamLike, done: () => void) => void;

/**
 * Buffers that are already exactly what the DATA stage sends: dot-stuffed, CRLF only, ending with
 * the "." line (message-template.ts builds them from pieces stuffed once per variant). A WeakSet, so
 * marking holds no memory and an unmarked Buffer takes the normal path.
 */
const dataReady = new WeakSet<Buffer>();

export function markDotStuffed(buf: Buffer): Buffer {
  dataReady.add(buf);
  return buf;
}

/** Whether `buf` was marked DATA-ready by `markDotStuffed`. */
export function isDotStuffed(buf: Buffer): boolean {
  return dataReady.has(buf);
}

/** The replacement `_transform` (exported for the equivalence test). */
export function fastTransform(this: DataStreamLike, chunk: Buffer | string, _enc: string, done: () => void) {
  if (!chunk?.length) return done();
  if (typeof chunk !== 'string' && dataReady.has(chunk)) {
    // One write of the whole message and its terminator, not scanned again.
    this.inByteCount += chunk.length;
    this.outByteCount += chunk.length;
    this.lastByte = chunk[chunk.length - 1]!;
    this.terminated = true;
    this.push(chunk);
    return done();
  }
  const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  this.inByteCount += buf.length;
  const out = stuffChunk(buf, this.lastByte);
  this.outByteCount += out.length;
  this.push(out);
  this.lastByte = buf[buf.length - 1]!;
  done();
}

let installed: boolean | undefined;

interface DataStreamClass {
  prototype: { _transform: Transform; _flush: Flush };
}

/** Nodemailer's DataStream class, ESM and CommonJS builds (both may be loaded), or [] if moved. */
export async function nodemailerDataStreams(): Promise<DataStreamClass[]> {
  const found: DataStreamClass[] = [];
  try {
    // Not an exported subpath: resolved next to the package's own entry, so it is the very module
    // instance the SMTP connection imports.
    const esm = new URL('./smtp-connection/data-stream.js', import.meta.resolve('nodemailer')).href;
    found.push((await import(esm)).default);
  } catch {
    // moved in a later release: the original loop stays
  }
  try {
    const require = createRequire(import.meta.url);
    const cjsEntry = require.resolve('nodemailer');
    const mod = require(new URL('./smtp-connection/data-stream.js', `file://${cjsEntry}`).pathname);
    found.push(mod.default ?? mod);
  } catch {
    // idem
  }
  return found.filter(
    (c) => typeof c?.prototype?._transform === 'function' && typeof c.prototype._flush === 'function',
  );
}

/** True once the DataStream is patched: only then may DATA-ready Buffers be handed to Nodemailer. */
export const fastDotStuffingInstalled = (): boolean => installed === true;

/** Replaces the per-byte loop of nodemailer's DataStream once per process. True when patched. */
export async function installFastDotStuffing(): Promise<boolean> {
  if (installed !== undefined) return installed;
  const classes = await nodemailerDataStreams();
  for (const c of classes) {
    const flush = c.prototype._flush;
    c.prototype._transform = fastTransform;
    c.prototype._flush = function (this: DataStreamLike, done: () => void) {
      if (this.terminated) return done();
      flush.call(this, done);
    };
  }
  installed = classes.length > 0;
  return installed;
}
