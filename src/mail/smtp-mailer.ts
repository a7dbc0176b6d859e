/**
 * The Mailer over SMTP. Digests go through our pool of Nodemailer `SMTPConnection`s as lanes
 * (smtp-connection-pool.ts: prebuilt Buffers, no per-message MIME tree, claims only with a connection
 * in hand); the occasional composed mail (`send`: confirmations, notices) through a Nodemailer pooled
 * transport, created on first use.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { DKIM_SIGNED_HEADERS, type DkimKey } from './dkim-signer.ts';
import type { Mailer, MailLane, RawMessage, SendResult } from './mailer.ts';
import type { RelayOutage } from './relay-outage.ts';
import { SmtpConnectionPool } from './smtp-connection-pool.ts';

export interface SmtpMailerOptions {
  /** smtp://user:pass@host:port (STARTTLS; `?tls=off` for plain text) or smtps://... (implicit TLS) */
  url: string;
  /** Parallel connections in the pool (default 5). */
  maxConnections?: number;
  /** Messages per connection before it is recycled (default 1000). */
  maxMessages?: number;
  /**
   * DKIM for the composed mails (`send`: confirmations, notices), signed by Nodemailer. Digests arrive
   * at `lane()`/`sendRaw` signed already (dkim-signer.ts), over the same header list.
   */
  dkim?: DkimKey | undefined;
  /**
   * PEM certificates to trust for the relay instead of the system's (SMTP_TLS_CA_FILE): a private
   * relay's CA, or the test servers'. With it the certificate is verified on loopback too.
   */
  tlsCa?: string | undefined;
  /** How long a relay outage may last before the waiting lanes give up (RELAY_OUTAGE_LIMIT). */
  outageLimitMs?: number;
  /** Told when a relay outage begins, changes or ends (undefined); `givenUp` past the limit. */
  onOutage?: (outage: RelayOutage | undefined, givenUp: boolean) => void;
}

/** The TLS options for a relay: verified, except a loopback relay without a CA given (the outbox). */
export function relayTlsOptions(host: string, ca: string | undefined): SMTPConnection.Options['tls'] {
  if (ca) return { ca };
  // Relays on localhost (the outbox, a local Postfix) have no certificate worth checking.
  return isLoopback(host) ? { rejectUnauthorized: false } : undefined;
}

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const url = new URL(options.url);
  const connection: SMTPConnection.Options = {
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
    secure: url.protocol === 'smtps:',
    tls: relayTlsOptions(url.hostname, options.tlsCa),
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
  const pool = new SmtpConnectionPool({
    connection,
    auth,
    maxConnections,
    maxMessages,
    outageLimitMs: options.outageLimitMs,
    onOutage: options.onOutage,
  });
  const acceptsDotStuffed = pool.acceptsDotStuffed;

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

  const bytes = (message: RawMessage): Buffer => {
    if (message.dotStuffed && !acceptsDotStuffed)
      throw new Error('this mailer does not take dot-stuffed messages');
    return typeof message.raw === 'string' ? Buffer.from(message.raw) : message.raw;
  };

  return {
    acceptsDotStuffed,
    async send(message: Mail.Options) {
      const info = await composedTransport().sendMail(message);
      return { messageId: info.messageId, response: info.response ?? '' };
    },
    async sendRaw(message: RawMessage): Promise<SendResult> {
      const response = await pool.send(message.envelope, bytes(message), message.dotStuffed === true);
      return { messageId: message.messageId, response };
    },
    lane(): MailLane {
      const lane = pool.lane();
      return {
        ready: (stopping) => lane.ready(stopping),
        async send(message) {
          const response = await lane.send(message.envelope, bytes(message), message.dotStuffed === true);
          return { messageId: message.messageId, response };
        },
        release: () => lane.release(),
      };
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
