/**
 * The Mailer over SMTP. Digests (`sendRaw`) go through our pool of Nodemailer `SMTPConnection`s
 * (smtp-connection-pool.ts: prebuilt Buffers, no per-message MIME tree); the occasional composed mail
 * (`send`: confirmations, notices) through a Nodemailer pooled transport, created on first use.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { DataStageTracker } from './data-stage-tracker.ts';
import { fastDotStuffingInstalled, installFastDotStuffing } from './fast-dot-stuffing.ts';
import type { Mailer, RawMessage, SendResult } from './mailer.ts';
import { SmtpConnectionPool } from './smtp-connection-pool.ts';

export interface SmtpMailerOptions {
  /** smtp://user:pass@host:port or smtps://... */
  url: string;
  /** Parallel connections in the pool (default 5). */
  maxConnections?: number;
  /** Messages per connection before it is recycled (default 1000). */
  maxMessages?: number;
  /** DKIM signing; the signed header list always includes List-Unsubscribe and List-Unsubscribe-Post. */
  dkim?: { domainName: string; keySelector: string; privateKey: string };
}

// Nodemailer's per-byte dot-stuffing loop was a quarter of a send worker's CPU (BENCHMARKS.md); this
// swaps in a byte-identical native-scan version once per process.
await installFastDotStuffing();

export const DKIM_SIGNED_HEADERS =
  'from:to:subject:date:message-id:list-id:list-unsubscribe:list-unsubscribe-post';

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const url = new URL(options.url);
  const connection: SMTPConnection.Options = {
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
    secure: url.protocol === 'smtps:',
    // Relays on localhost (the outbox, test servers) have no certificate worth checking.
    tls: isLoopback(url.hostname) ? { rejectUnauthorized: false } : undefined,
    ignoreTLS: url.searchParams.get('tls') === 'off',
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
  const auth = url.username
    ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
    : undefined;
  const dkim = options.dkim ? { ...options.dkim, headerFieldNames: DKIM_SIGNED_HEADERS } : undefined;
  const maxConnections = options.maxConnections ?? 5;
  const maxMessages = options.maxMessages ?? 1000;
  const plain = url.protocol === 'smtp:' && connection.ignoreTLS === true;
  const tracker = new DataStageTracker(plain);
  const pool = new SmtpConnectionPool({
    connection,
    auth,
    maxConnections,
    maxMessages,
    dkim,
    getSocket: plain ? tracker.getSocket : undefined,
    bodyHandedOver: (to) => tracker.bodyHandedOver(to),
  });
  const acceptsDotStuffed = pool.acceptsDotStuffed && fastDotStuffingInstalled();

  let transport: Transporter | undefined;
  const composedTransport = () => {
    transport ??= nodemailer.createTransport({
      ...connection,
      pool: true,
      maxConnections,
      maxMessages,
      auth,
      dkim,
    } as SMTPPool.Options);
    return transport;
  };

  return {
    acceptsDotStuffed,
    async send(message: Mail.Options) {
      const info = await composedTransport().sendMail(message);
      return { messageId: info.messageId, response: info.response ?? '' };
    },
    async sendRaw(message: RawMessage): Promise<SendResult> {
      const raw = typeof message.raw === 'string' ? Buffer.from(message.raw) : message.raw;
      if (message.dotStuffed && !acceptsDotStuffed)
        throw new Error('this mailer does not take dot-stuffed messages');
      tracker.begin(message.envelope.to);
      try {
        const info = await pool.send(message.envelope, raw, message.dotStuffed === true);
        return { messageId: message.messageId, response: info.response };
      } catch (err) {
        // Whether the server can have the whole message decides retry (no) or uncertain (maybe).
        throw Object.assign(err as Error, { bodySent: tracker.bodyHandedOver(message.envelope.to) });
      } finally {
        tracker.end(message.envelope.to);
      }
    },
    prepare(connections: number) {
      pool.prepare(connections);
    },
    async close() {
      await pool.close();
      transport?.close();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
}
