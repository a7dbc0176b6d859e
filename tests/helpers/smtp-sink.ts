/**
 * A real SMTP server (smtp-server) on 127.0.0.1 for tests: keeps every accepted message parsed by
 * mailparser, and can inject faults per recipient (4xx/5xx at RCPT, at DATA, dropped connections,
 * failed AUTH) through `behaviour`. It speaks STARTTLS with the test certificate (test-tls.ts, trusted
 * by test containers) unless told otherwise: `tls: 'implicit'` (smtps, 465-style) or `'off'` (only
 * for tests about plain text).
 */
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { type TestTls, testTls } from './test-tls.ts';

export interface Received {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SinkBehaviour {
  /** Return an SMTP reply code (e.g. 550, 451) to reject this recipient at RCPT, `'drop'` to close the socket, or undefined. */
  onRcpt?: (address: string) => number | 'drop' | undefined;
  /** Return a reply code to reject at end of DATA, `'drop'` to close the socket without answering. */
  onData?: (to: string[], raw: Buffer) => number | 'drop' | undefined;
  /** Require AUTH with these credentials; anything else gets 535. */
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  url: string;
  port: number;
  messages: Received[];
  behaviour: SinkBehaviour;
  /** Resolves once `n` messages have been accepted. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const replyError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

export interface SinkOptions {
  /** How clients reach it: STARTTLS (default), implicit TLS, or plain text. */
  tls?: 'starttls' | 'implicit' | 'off';
  /** The certificate it presents (default: the one test containers trust). */
  certificate?: TestTls;
  /** Listen on this port (a relay coming back where it was); default any free one. */
  port?: number;
}

export async function startSmtpSink(
  behaviour: SinkBehaviour = {},
  options: SinkOptions = {},
): Promise<SmtpSink> {
  const mode = options.tls ?? 'starttls';
  const certificate = options.certificate ?? (await testTls());
  const messages: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const sink: SmtpSink = {
    url: '',
    port: 0,
    messages,
    behaviour,
    waitFor(n, timeoutMs = 20_000) {
      if (messages.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`sink got ${messages.length} of ${n} messages`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    stop: () => new Promise<void>((res) => server.close(() => res())),
  };
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    secure: mode === 'implicit',
    key: certificate.key,
    cert: certificate.cert,
    disabledCommands: mode === 'off' ? ['STARTTLS'] : [],
    logger: false,
    onAuth(auth, _session, cb) {
      const want = sink.behaviour.auth;
      if (want && auth.username === want.user && auth.password === want.pass)
        return cb(null, { user: auth.username });
      return cb(replyError(535, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, session: SMTPServerSession, cb) {
      if (sink.behaviour.auth && !session.user) return cb(replyError(530, 'Authentication required'));
      cb();
    },
    onRcptTo(address, session, cb) {
      const code = sink.behaviour.onRcpt?.(address.address);
      if (code === 'drop') return dropConnection(server, session.id);
      if (code) return cb(replyError(code, code >= 500 ? 'No such user' : 'Try again later'));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        const to = session.envelope.rcptTo.map((r) => r.address);
        const verdict = sink.behaviour.onData?.(to, raw);
        if (verdict === 'drop') {
          // Close without answering the final ".": the client cannot know whether we accepted it.
          dropConnection(server, session.id);
          return;
        }
        if (verdict) return cb(replyError(verdict, verdict >= 500 ? 'Rejected' : 'Try again later'));
        const parsed = await simpleParser(raw);
        messages.push({
          envelopeFrom: (session.envelope.mailFrom || { address: '' }).address,
          envelopeTo: to,
          raw,
          parsed,
        });
        for (const w of waiters.filter((x) => messages.length >= x.n)) w.resolve();
        cb();
      });
    },
  });
  await new Promise<void>((res) => server.listen(options.port ?? 0, '127.0.0.1', () => res()));
  const addr = server.server.address();
  sink.port = typeof addr === 'object' && addr ? addr.port : 0;
  sink.url =
    mode === 'implicit'
      ? `smtps://127.0.0.1:${sink.port}`
      : `smtp://127.0.0.1:${sink.port}${mode === 'off' ? '?tls=off' : ''}`;
  return sink;
}

/** Closes a client's socket without a reply (smtp-server keeps its connections in a set, by session id). */
function dropConnection(server: SMTPServer, sessionId: string): void {
  const connections = (
    server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }
  ).connections;
  for (const c of connections) if (c.id === sessionId) c._socket.destroy();
}
