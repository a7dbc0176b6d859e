/** The Mailer over SMTP: one pooled Nodemailer transport per process. */
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { DataStageTracker } from './data-stage-tracker.ts';
import { installFastDotStuffing } from './fast-dot-stuffing.ts';
import type { Mailer, RawMessage, SendResult } from './mailer.ts';

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
  const transportOptions: SMTPPool.Options = {
    pool: true,
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
    secure: url.protocol === 'smtps:',
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessages ?? 1000,
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    // Relays on localhost (the outbox, test servers) have no certificate worth checking.
    tls: isLoopback(url.hostname) ? { rejectUnauthorized: false } : undefined,
    ignoreTLS: url.searchParams.get('tls') === 'off',
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    dkim: options.dkim
      ? {
          domainName: options.dkim.domainName,
          keySelector: options.dkim.keySelector,
          privateKey: options.dkim.privateKey,
          headerFieldNames: DKIM_SIGNED_HEADERS,
        }
      : undefined,
  };
  const plain = url.protocol === 'smtp:' && transportOptions.ignoreTLS === true;
  const tracker = new DataStageTracker(plain);
  if (plain) transportOptions.getSocket = tracker.getSocket as SMTPPool.Options['getSocket'];
  const transport = nodemailer.createTransport(transportOptions);
  const toResult = (info: { messageId: string; response: string }): SendResult => ({
    messageId: info.messageId,
    response: info.response,
  });
  return {
    async send(message: Mail.Options) {
      return toResult(await transport.sendMail(message));
    },
    async sendRaw(message: RawMessage) {
      tracker.begin(message.envelope.to);
      try {
        const info = await transport.sendMail({
          envelope: message.envelope,
          raw: message.raw,
          messageId: message.messageId,
        });
        tracker.end(message.envelope.to);
        return toResult(info);
      } catch (err) {
        // Whether the server can have the whole message decides retry (no) or uncertain (maybe).
        throw Object.assign(err as Error, { bodySent: tracker.bodyHandedOver(message.envelope.to) });
      }
    },
    async close() {
      transport.close();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
}
