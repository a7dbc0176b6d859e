/**
 * The one seam into Nodemailer's SMTP client: a `SMTPConnection` that (1) writes a DATA-ready Buffer
 * to the socket in one write once the server has answered DATA with 354, and (2) knows, for the
 * message in flight, whether the final "." has been written. Both come from the same place: the step
 * Nodemailer calls after the 354 (`_createSendStream`), which this class overrides.
 *
 * Why (2) matters: when a connection breaks without a reply, Nodemailer reports `ECONNECTION` whatever
 * the stage. Before the final "." the server cannot have accepted the message (retry it); after it,
 * nobody knows (uncertain, never resent). This class knows it by construction, above TLS, over plain
 * text, STARTTLS and implicit TLS alike: a failure reaches `sendPrepared`'s callback with `bodySent`.
 * It replaced a socket-sniffing tracker that was blind over TLS and called every failure uncertain.
 *
 * Why (1): a DATA-ready Buffer (message-template.ts builds them: CRLF only, dot-stuffed, ending with the
 * "." line) is already what goes on the wire. Nodemailer's own path builds a DataStream (a Transform
 * that stuffs byte by byte), pipes it into the socket and unpipes it, per message: stream machinery a
 * send worker would pay for every message (BENCHMARKS.md). Any other message (a stream from the DKIM
 * signer, an unstuffed Buffer, LMTP, debug logging) still goes through Nodemailer's DataStream; then the
 * "." has been written once that stream has ended into the socket.
 *
 * The internals used are listed in `NODEMAILER_INTERNALS`; tests/unit/prepared-body-connection.test.ts
 * fails when a Nodemailer release moves them. Should that test be ignored, `internalsPresent` is false
 * and every failure without a reply counts as `bodySent` (uncertain): the side that mails nobody twice.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

type ReplyCallback = (err: Error | null, response?: string) => void;

/** Nodemailer internals this class overrides or calls (not in its public types). */
export const NODEMAILER_INTERNALS = {
  /** Called by `send` after the 354 with the callback that settles the message; returns the body stream. */
  createSendStream: '_createSendStream',
  /** Handles the reply to the "." line (SMTP, not LMTP). */
  actionSmtpStream: '_actionSMTPStream',
  /** Instance fields: the socket (after STARTTLS, the TLS socket) and the queue of reply handlers. */
  socket: '_socket',
  responseActions: '_responseActions',
} as const;

interface Internals {
  _socket: Socket | false | null;
  _responseActions: Array<(response: string) => void>;
  _actionSMTPStream(response: string, callback: ReplyCallback): void;
  _createSendStream(callback: ReplyCallback): BodyStream;
  options: { lmtp?: boolean; debug?: boolean };
}

/** What `SMTPConnection.send` uses of the stream `_createSendStream` returns. */
interface BodyStream {
  outByteCount: number;
  write(chunk: Buffer): boolean;
  end(): void;
  once?(event: 'end', listener: () => void): unknown;
}

// A plain client, never connected (constructing one does no I/O): where Nodemailer's own steps are read.
const base = new SMTPConnection({}) as unknown as Partial<Internals>;

/** True when this Nodemailer has the internal methods the seam needs. */
export const internalsPresent =
  typeof base._createSendStream === 'function' && typeof base._actionSMTPStream === 'function';
const nodemailerCreateSendStream = base._createSendStream;

export interface SendFailure extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  /** The final "." was written (or cannot be ruled out) and no reply came: the server may have it. */
  bodySent: boolean;
}

export type SendPreparedCallback = (err: SendFailure | null, response?: string) => void;

export class PreparedBodyConnection extends SMTPConnection {
  /** The DATA-ready Buffer of the message in flight, until its 354. */
  private dataReady: Buffer | undefined;
  /** Whether the message in flight has had its final "." written. */
  private dotWritten = false;

  /**
   * Sends one message. `dataReady`: `message` is exactly what DATA sends (dot-stuffed, ending with
   * the "." line). The envelope's `from` is the message's own (a per-message Return-Path fits here).
   */
  sendPrepared(
    envelope: { from: string; to: string },
    message: Buffer | Readable,
    dataReady: boolean,
    done: SendPreparedCallback,
  ): void {
    this.dataReady = dataReady && Buffer.isBuffer(message) ? message : undefined;
    this.dotWritten = false;
    super.send({ from: envelope.from, to: [envelope.to] }, message, (err, info) => {
      this.dataReady = undefined;
      if (!err) return done(null, info.response);
      const bodySent = !internalsPresent || this.dotWritten;
      done(Object.assign(err, { bodySent }) as SendFailure);
    });
  }

  /** Nodemailer calls this once the server has answered DATA with 354 (an internal method). */
  _createSendStream(callback: ReplyCallback): BodyStream {
    const self = this as unknown as Internals;
    const body = this.dataReady;
    this.dataReady = undefined;
    const socket = self._socket;
    if (
      !body ||
      !socket ||
      !Array.isArray(self._responseActions) ||
      self.options.lmtp ||
      self.options.debug
    ) {
      const stream = nodemailerCreateSendStream!.call(this, callback);
      // The DataStream ends once its last chunk, the "." line, went into the socket.
      stream.once?.('end', () => {
        this.dotWritten = true;
      });
      return stream;
    }
    // As Nodemailer's own: the reply to the "." line settles the message.
    self._responseActions.push((response) => self._actionSMTPStream(response, callback));
    const writer: BodyStream = {
      outByteCount: 0,
      write: (chunk) => {
        writer.outByteCount += chunk.length;
        // From this call on the bytes may reach the server. The socket buffers what it cannot send at
        // once, as a pipe would have.
        this.dotWritten = true;
        socket.write(chunk);
        return true;
      },
      end() {},
    };
    return writer;
  }
}
