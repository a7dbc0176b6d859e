/**
 * A Nodemailer `SMTPConnection` that writes a DATA-ready Buffer (message-template.ts builds them:
 * dot-stuffed, CRLF only, ending with the "." line; `markDotStuffed` marks them) to the socket in one
 * write once the server has answered DATA with 354. Nodemailer's own path builds a DataStream (a
 * Transform), pipes it into the socket, writes the message through it and unpipes it again, for every
 * message: for a Buffer that already is what goes on the wire, that stream machinery is work per
 * message, and generic stream code V8 must optimise during every send's warm-up (BENCHMARKS.md).
 *
 * Everything else stays Nodemailer's: the envelope (MAIL, RCPT, DATA with PIPELINING), the wait for
 * 354, the handling of the reply to the "." line (`_actionSMTPStream`), timeouts, errors and close. Only
 * `_createSendStream`, which Nodemailer calls after the 354, is replaced, and only for a marked Buffer
 * on a plain SMTP connection (not LMTP, no debug log). If a Nodemailer release renames the methods
 * used here, `directBodySupported` is false, and if it renames the fields, the direct write is skipped:
 * either way every message takes Nodemailer's own path (tests/integration/smtp-connection-pool.test.ts
 * fails then, so an upgrade that loses the fast path is noticed).
 */
import type { Socket } from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { isDotStuffed } from './fast-dot-stuffing.ts';

type StreamCallback = (err: Error | null, response?: string) => void;

/** The parts of Nodemailer's SMTPConnection this class relies on (not in its public types). */
interface Internals {
  _socket: Socket;
  _responseActions: Array<(response: string) => void>;
  _actionSMTPStream(response: string, callback: StreamCallback): void;
  _createSendStream(callback: StreamCallback): unknown;
  options: { lmtp?: boolean; debug?: boolean };
}

const base = SMTPConnection.prototype as unknown as Partial<Internals>;

/** True when this Nodemailer has the internals the direct write needs. */
export const directBodySupported =
  typeof base._createSendStream === 'function' && typeof base._actionSMTPStream === 'function';

/** What `SMTPConnection.send` uses of the stream `_createSendStream` returns. */
interface BodyWriter {
  outByteCount: number;
  write(chunk: Buffer): boolean;
  end(): void;
}

export class DirectBodyConnection extends SMTPConnection {
  /** The marked Buffer of the message being sent, until its 354. */
  private directBody: Buffer | undefined;

  override send(
    envelope: SMTPConnection.Envelope,
    message: Parameters<SMTPConnection['send']>[1],
    done: Parameters<SMTPConnection['send']>[2],
  ): void {
    this.directBody =
      directBodySupported && Buffer.isBuffer(message) && isDotStuffed(message) ? message : undefined;
    super.send(envelope, message, done);
  }

  /** Nodemailer calls this once the server has answered DATA with 354 (an internal method). */
  _createSendStream(callback: StreamCallback): unknown {
    const self = this as unknown as Internals;
    const body = this.directBody;
    this.directBody = undefined;
    const usable = Array.isArray(self._responseActions) && self._socket !== undefined;
    if (!body || !usable || self.options.lmtp || self.options.debug)
      return base._createSendStream!.call(this, callback);
    // As Nodemailer's own: the reply to the "." line settles the message.
    self._responseActions.push((response) => self._actionSMTPStream(response, callback));
    const socket = self._socket;
    const writer: BodyWriter = {
      outByteCount: 0,
      write(chunk) {
        writer.outByteCount += chunk.length;
        // The socket buffers what it cannot send at once, as a pipe would have.
        socket.write(chunk);
        return true;
      },
      end() {},
    };
    return writer;
  }
}
