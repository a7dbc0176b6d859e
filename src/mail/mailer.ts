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
 * The narrow role the rest of the program sends mail through. Errors are nodemailer's, carrying
 * `code` and `responseCode`; `classifySmtpError` sorts them.
 */
export interface Mailer {
  send(message: Mail.Options): Promise<SendResult>;
  sendRaw(message: RawMessage): Promise<SendResult>;
  /** Whether `sendRaw` takes dot-stuffed bytes (not when it signs the message: DKIM signs it unstuffed). */
  readonly acceptsDotStuffed: boolean;
  /**
   * Opens up to this many connections ahead of a batch, in the background, so its first messages do
   * not wait for the relay's greeting. Nothing is reported: a failing connection is met by the send.
   */
  prepare(connections: number): void;
  close(): Promise<void>;
}
