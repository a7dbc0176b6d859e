/**
 * The fast DATA-stream transform must write exactly what nodemailer's own per-byte loop writes, for
 * any input and any split into chunks (bare CR, bare LF, dots at line starts, across chunk edges).
 */
import type { Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  fastTransform,
  installFastDotStuffing,
  nodemailerDataStreams,
  stuffChunk,
} from '../../src/mail/fast-dot-stuffing.ts';

const [DataStream] = await nodemailerDataStreams();
const original = DataStream!.prototype._transform;

type Chunk = Buffer | string;

async function run(chunks: Chunk[], transform: typeof original) {
  const Ctor = DataStream as unknown as new () => Transform & { inByteCount: number; outByteCount: number };
  const stream = new Ctor();
  (stream as unknown as { _transform: typeof original })._transform = transform;
  const out: Buffer[] = [];
  stream.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((res) => stream.on('end', res));
  for (const c of chunks) stream.write(c);
  stream.end();
  await done;
  return { bytes: Buffer.concat(out).toString('latin1'), inB: stream.inByteCount, outB: stream.outByteCount };
}

/** A seeded PRNG so a failure can be replayed. */
function prng(seed: number) {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['\r', '\n', '.', 'a', 'bc', '\r\n', '\r\n.', '..', '\n.', '\r.', ' '];

describe('fast dot-stuffing', () => {
  it('finds nodemailer’s DataStream to patch (a nodemailer upgrade that moves it fails here)', async () => {
    expect(DataStream).toBeDefined();
    expect(await installFastDotStuffing()).toBe(true);
  });

  it('writes the same bytes and counts as nodemailer’s loop for 3,000 random inputs and splits', async () => {
    const rand = prng(47);
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const len = Math.floor(rand() * 40);
      for (let i = 0; i < len; i++) text += PIECES[Math.floor(rand() * PIECES.length)];
      const cuts = [
        ...new Set(
          Array.from({ length: Math.floor(rand() * 4) }, () => Math.floor(rand() * (text.length + 1))),
        ),
      ].sort((a, b) => a - b);
      const chunks: Chunk[] = [];
      let from = 0;
      for (const c of [...cuts, text.length]) {
        const piece = text.slice(from, c);
        chunks.push(rand() < 0.2 ? piece : Buffer.from(piece, 'latin1'));
        from = c;
      }
      const want = await run(chunks, original);
      const got = await run(chunks, fastTransform as unknown as typeof original);
      expect(got, JSON.stringify(chunks.map(String))).toEqual(want);
    }
  });

  it('stuffs the CSS lines of a real digest (".mj-column...") and leaves a clean chunk as it is', () => {
    expect(stuffChunk(Buffer.from('a {}\r\n.mj-column { x }\r\n'), false).toString()).toBe(
      'a {}\r\n..mj-column { x }\r\n',
    );
    const clean = Buffer.from('From: a\r\n\r\nHello\r\n');
    expect(stuffChunk(clean, false)).toBe(clean);
  });
});
