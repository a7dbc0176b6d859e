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
}

/**
 * The narrow role the rest of the program sends mail through. Errors are nodemailer's, carrying
 * `code` and `responseCode`; `classifySmtpError` sorts them.
 */
export interface Mailer {
  send(message: Mail.Options): Promise<SendResult>;
  sendRaw(message: RawMessage): Promise<SendResult>;
  close(): Promise<void>;
}
