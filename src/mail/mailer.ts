import type Mail from 'nodemailer/lib/mailer/index.js';

/** What the mail transport reports for an accepted message. */
export interface SendResult {
  messageId: string;
  /** The server's final reply, e.g. `250 2.0.0 Ok: queued`. */
  response: string;
}

/** A message already assembled as MIME (the fast path: built once per variant, filled per recipient). */
export interface RawMessage {
  envelope: { from: string; to: string };
  raw: Buffer | string;
  messageId: string;
  /**
   * `raw` is exactly what the SMTP DATA stage sends (dot-stuffed, CRLF only, ending with the "."
   * line), so it goes out as is. Only set when the mailer `acceptsDotStuffed`.
   */
  dotStuffed?: boolean | undefined;
}

/**
 * One sender's hold on a relay connection. A send lane calls `ready()` before it claims a recipient,
 * so a recipient is claimed only with a connection the relay has greeted (EHLO, STARTTLS, AUTH done).
 */
export interface MailLane {
  /**
   * Resolves true once the lane holds a usable connection, waiting out a relay outage; false when
   * `stopping` turned true meanwhile. Rejects with what waiting cannot fix (classify it: login or
   * certificate failures are `config`; `ERELAYDOWN` means the outage outlasted RELAY_OUTAGE_LIMIT,
   * and its message is the reason to pause with).
   */
  ready(stopping?: () => boolean): Promise<boolean>;
  /**
   * Sends on the lane's connection. The envelope is the message's own (its `from` is the Return-Path).
   * A failure carries `bodySent` (the final "." was written and no reply came) and, when a new
   * connection had to be opened and failed, `stage: 'connect'`.
   */
  send(message: RawMessage): Promise<SendResult>;
  /** Gives the connection back to the pool. */
  release(): void;
}

/**
 * The narrow role the rest of the program sends mail through. Errors are nodemailer's, carrying
 * `code` and `responseCode`; `classifySmtpError` sorts them.
 */
export interface Mailer {
  send(message: Mail.Options): Promise<SendResult>;
  /**
   * One message on a connection of its own (test sends); digests go through `lane()`. It does not wait
   * out a relay outage: it fails at once with the outage's description.
   */
  sendRaw(message: RawMessage): Promise<SendResult>;
  lane(): MailLane;
  /** Whether `sendRaw` and lanes take dot-stuffed bytes (the SMTP mailer always does). */
  readonly acceptsDotStuffed: boolean;
  /**
   * Opens up to this many connections ahead of a batch, in the background, so its first messages do
   * not wait for the relay's greeting. Nothing is reported: a failing connection is met by the send.
   */
  prepare(connections: number): void;
  close(): Promise<void>;
}
