/**
 * DKIM's body hash with relaxed canonicalisation (RFC 6376 3.4.4), fed the message body in the pieces
 * the message template copies: runs of SP/HTAB within a line count as one SP, whitespace at the end of
 * a line and empty lines at the end of the body do not count, and the body ends with one CRLF.
 *
 * Why by hand: Nodemailer's `RelaxedBody` and mailauth canonicalise a stream byte by byte, which over
 * an 80 KB digest costs more than the RSA signature. Relaxed canonicalisation only ever looks at a
 * line's whitespace, so a static piece of a variant can be canonicalised once (`relaxedPiece`) and
 * only its edges decided per message (a piece that ends in whitespace followed by a slot, or by a line
 * end). tests/unit/dkim-signer.test.ts checks the result against Nodemailer's `RelaxedBody` on real
 * digests and on whitespace at every kind of piece edge.
 */
import { createHash, type Hash } from 'node:crypto';

/** A piece of the body, canonicalised on its own; its edges are settled by `RelaxedBodyHash`. */
export interface RelaxedPiece {
  /** It began with whitespace before text on the same line (one SP, if the line goes on). */
  lead: boolean;
  /** The canonical text without that SP, a trailing SP and the trailing CRLFs. */
  core: string | Buffer;
  /** `core` begins a new line. */
  startsWithCrlf: boolean;
  /** CRLFs after `core`: held back, since empty lines at the end of the body do not count. */
  crlfs: number;
  /** It ended with whitespace (one SP, if text follows on that line). */
  trail: boolean;
}

const CRLF = '\r\n';

/**
 * `text` is latin1 (a static piece's bytes) or a UTF-8 string; `asBuffer` keeps the core as bytes.
 * Pieces must not be cut between a CR and its LF: the template cuts at slots, and its line ends are CRLF.
 */
export function relaxedPiece(text: string, asBuffer = false): RelaxedPiece {
  let c = text.replace(/[ \t]+/g, ' ');
  if (c.includes(' \r\n')) c = c.replace(/ \r\n/g, CRLF);
  const lead = c.charCodeAt(0) === 0x20;
  if (lead) c = c.slice(1);
  const trail = c.length > 0 && c.charCodeAt(c.length - 1) === 0x20;
  if (trail) c = c.slice(0, -1);
  let end = c.length;
  let crlfs = 0;
  while (end >= 2 && c.charCodeAt(end - 1) === 0x0a && c.charCodeAt(end - 2) === 0x0d) {
    end -= 2;
    crlfs++;
  }
  const core = c.slice(0, end);
  return {
    lead,
    core: asBuffer ? Buffer.from(core, 'latin1') : core,
    startsWithCrlf: core.startsWith(CRLF),
    crlfs,
    trail,
  };
}

export class RelaxedBodyHash {
  private readonly hash: Hash = createHash('sha256');
  private pendingCrlfs = 0;
  private pendingSpace = false;
  private any = false;

  /** A string of the body (a slot value, a part header, a per-recipient line). */
  text(s: string): void {
    if (s) this.piece(relaxedPiece(s));
  }

  piece(p: RelaxedPiece): void {
    if (p.lead) this.pendingSpace = true;
    // Whitespace right before a line end does not count.
    if (p.core.length ? p.startsWithCrlf : p.crlfs > 0) this.pendingSpace = false;
    if (p.core.length) {
      if (this.pendingCrlfs) this.hash.update(CRLF.repeat(this.pendingCrlfs));
      this.pendingCrlfs = 0;
      if (this.pendingSpace) this.hash.update(' ');
      this.hash.update(p.core as string, 'utf8');
      this.pendingSpace = false;
      this.any = true;
    }
    this.pendingCrlfs += p.crlfs;
    if (p.trail) this.pendingSpace = true;
  }

  /** The `bh=` value: base64 of SHA-256 over the canonical body (which ends with exactly one CRLF). */
  digest(): string {
    if (this.any) this.hash.update(CRLF);
    return this.hash.digest('base64');
  }
}
