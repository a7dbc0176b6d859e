/**
 * The inbound SMTP listener (smtp-server) for the bounce domain's MX or a relay's forwarding. It takes
 * mail only for our own signed addresses (anything else: 550 at RCPT, before a byte of body), caps the
 * size (SIZE is announced; a bigger message is refused with 552 and not buffered), limits each client
 * address to `ratePerMinute` connections and messages (421 past it), offers STARTTLS when given a
 * certificate, and never lets one message take it down: a message it cannot read is logged as ignored
 * and accepted (refusing it would only make the sender's MTA bounce the bounce); a failure to store
 * is answered 451, so the sender retries.
 */
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../logging/logger.ts';
import type { VerifiedAddress } from './feedback-address.ts';

export interface InboundMessage {
  raw: Buffer;
  /** The signed addresses it was sent to (verified at RCPT). */
  to: VerifiedAddress[];
  /** The envelope sender; empty for a DSN (the null sender). */
  mailFrom: string;
  remoteAddress: string;
}

export interface InboundOptions {
  host: string;
  port: number;
  /** Name in the greeting and EHLO (the bounce domain). */
  name: string;
  maxBytes: number;
  ratePerMinute: number;
  tls: { key: string | Buffer; cert: string | Buffer } | undefined;
  verify: (address: string) => VerifiedAddress | undefined;
  handle: (message: InboundMessage) => Promise<void>;
  logger: Logger;
}

export interface InboundServer {
  port: number;
  close(): Promise<void>;
}

const reply = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

/** Connections and messages per client address in the current minute. */
class ClientRate {
  private minute = 0;
  private counts = new Map<string, number>();
  constructor(private readonly limit: number) {}
  /** Counts one more for the address; false when it is over the limit. */
  take(address: string, now = Date.now()): boolean {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.counts.clear();
    }
    const n = (this.counts.get(address) ?? 0) + 1;
    this.counts.set(address, n);
    return n <= this.limit;
  }
}

export async function startInboundSmtp(options: InboundOptions): Promise<InboundServer> {
  const { logger } = options;
  const rate = new ClientRate(options.ratePerMinute);
  const server = new SMTPServer({
    name: options.name,
    banner: 'feedback only',
    size: options.maxBytes,
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    maxClients: 500,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onConnect(session, cb) {
      if (!rate.take(session.remoteAddress))
        return cb(reply(421, '4.7.0 Too many connections, try again later'));
      cb();
    },
    onMailFrom(_address, session, cb) {
      if (!rate.take(session.remoteAddress))
        return cb(reply(421, '4.7.0 Too many messages, try again later'));
      cb();
    },
    onRcptTo(address: SMTPServerAddress, _session, cb) {
      if (!options.verify(address.address)) return cb(reply(550, '5.1.1 No such recipient here'));
      cb();
    },
    onData(stream: Readable, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the cap nothing more is kept; smtp-server still reads the rest off the socket.
        if (size <= options.maxBytes) chunks.push(chunk);
      });
      stream.on('error', () => cb(reply(451, '4.3.0 Message could not be read, try again later')));
      stream.on('end', () => {
        if ((stream as Readable & { sizeExceeded?: boolean }).sizeExceeded || size > options.maxBytes) {
          logger.info(
            {
              event: 'feedback.ignored',
              reason: 'message too big',
              bytes: size,
              client: session.remoteAddress,
            },
            'inbound message refused: too big',
          );
          return cb(reply(552, `5.3.4 Message too big, at most ${options.maxBytes} bytes`));
        }
        const to = session.envelope.rcptTo
          .map((a) => options.verify(a.address))
          .filter((v): v is VerifiedAddress => v !== undefined);
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        options
          .handle({ raw: Buffer.concat(chunks), to, mailFrom, remoteAddress: session.remoteAddress })
          .then(
            () => cb(),
            (err: Error & { code?: string }) => {
              logger.error(
                { event: 'feedback.store_failed', err, client: session.remoteAddress },
                'inbound feedback could not be stored; the sender will retry',
              );
              cb(reply(451, '4.3.0 Temporary failure, try again later'));
            },
          );
      });
    },
  });
  // A client's broken connection or TLS handshake is its problem, not the listener's.
  server.on('error', (err: Error & { code?: string }) => {
    logger.debug(
      { event: 'feedback.smtp_error', code: err.code, message: err.message },
      'inbound SMTP error',
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
