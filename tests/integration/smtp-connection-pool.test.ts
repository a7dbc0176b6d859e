/**
 * The digest hand-off on a real SMTP server (smtp-server on 127.0.0.1, STARTTLS with the test
 * certificate, verified): DATA-ready Buffers arrive as the message, connections are bounded, opened
 * ahead of a batch, recycled and reused after a refused recipient, a message that meets a connection
 * the server dropped while idle goes out over a new one, and an unreachable relay holds the lanes
 * until it answers.
 */

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySmtpError, type SmtpFailure } from '../../src/core/smtp-error-class.ts';
import type { Mailer, RawMessage } from '../../src/mail/mailer.ts';
import { createMessageTemplate, fillMessageTemplate } from '../../src/mail/message-template.ts';
import { createSmtpMailer, type SmtpMailerOptions } from '../../src/mail/smtp-mailer.ts';
import { TEST_DATE, testFrame } from '../helpers/message-frames.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import { type TestTls, testTls } from '../helpers/test-tls.ts';

const tls: TestTls = await testTls();
const mailerFor = (url: string, options: Partial<SmtpMailerOptions> = {}) =>
  createSmtpMailer({ url, tlsCa: tls.cert, ...options });

interface Server {
  url: string;
  received: Buffer[];
  connections: number;
  /** Messages accepted per connection, in the order the connections were greeted. */
  perConnection: number[];
  /** Most connections open at the same time. */
  peak: number;
  open: Set<{ _socket: { destroy(): void } }>;
  stop(): Promise<void>;
}

let server: Server | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function startServer(
  rejectRcpt: (to: string) => boolean = () => false,
  rejectData: (to: string) => boolean = () => false,
  port = 0,
): Promise<Server> {
  const s: Server = {
    url: '',
    received: [],
    connections: 0,
    perConnection: [],
    peak: 0,
    open: new Set(),
    stop: async () => {},
  };
  let live = 0;
  const order = new Map<string, number>();
  const smtp = new SMTPServer({
    authOptional: true,
    key: tls.key,
    cert: tls.cert,
    logger: false,
    onConnect(session, cb) {
      order.set(session.id, s.connections);
      s.perConnection.push(0);
      s.connections++;
      s.peak = Math.max(s.peak, ++live);
      cb();
    },
    onClose() {
      live--;
    },
    onRcptTo(address, _session, cb) {
      if (rejectRcpt(address.address))
        return cb(Object.assign(new Error('No such user'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (rejectData(session.envelope.rcptTo[0]?.address ?? ''))
          return cb(Object.assign(new Error('Message refused'), { responseCode: 550 }));
        s.received.push(Buffer.concat(chunks));
        s.perConnection[order.get(session.id)!]!++;
        cb();
      });
    },
  });
  await new Promise<void>((res) => smtp.listen(port, '127.0.0.1', () => res()));
  const addr = smtp.server.address();
  s.url = `smtp://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  s.open = (smtp as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections;
  s.stop = () => new Promise<void>((res) => smtp.close(() => res()));
  return s;
}

const html =
  '<p>Hello {{recipient.name}}</p>\r\n.mj-column { width:100% }\r\n<a href="{{links.unsubscribe}}">x</a>\r\n';
const text = 'Hello {{recipient.name}}\r\n.\r\n';
const frame = testFrame(html, text);
const template = createMessageTemplate(frame, { html, text })!;
const message = (i: number, dotStuffed: boolean) =>
  fillMessageTemplate(
    template,
    {
      subscriberId: `s${i}`,
      email: `r${i}@example.com`,
      name: `.Reader ${i}`,
      format: 'html',
      unsubscribeUrl: `https://d.test/u/${i}`,
      preferencesUrl: `https://d.test/p/${i}`,
    },
    { dotStuffed, date: TEST_DATE },
  );

describe('SMTP connection pool', () => {
  it('a DATA-ready Buffer arrives as exactly the unstuffed message', async () => {
    server = await startServer();
    const mailer = mailerFor(server.url);
    expect(mailer.acceptsDotStuffed).toBe(true);
    const stuffed = message(1, true);
    expect(stuffed.raw.toString('latin1')).toContain('\r\n..mj-column');
    await mailer.sendRaw(stuffed);
    await mailer.close();
    expect(server.received[0]!.toString('latin1')).toBe(message(1, false).raw.toString('latin1'));
  });

  it('a message refused at the end of DATA fails with the reply, and its connection carries the next one', async () => {
    server = await startServer(undefined, (to) => to === 'r2@example.com');
    const mailer = mailerFor(server.url, { maxConnections: 1 });
    await mailer.sendRaw(message(1, true));
    const refused = await mailer.sendRaw(message(2, true)).catch((err: unknown) => err);
    await mailer.sendRaw(message(3, true));
    await mailer.close();
    expect(refused).toMatchObject({ code: 'EMESSAGE', responseCode: 550 });
    expect(server.received.map((b) => b.toString('latin1'))).toEqual(
      [1, 3].map((i) => message(i, false).raw.toString('latin1')),
    );
    expect(server.connections).toBe(1);
  });

  it('opens at most maxConnections, recycles after maxMessages, keeps a connection after a refused recipient', async () => {
    server = await startServer((to) => to === 'r3@example.com');
    const mailer = mailerFor(server.url, { maxConnections: 2, maxMessages: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => mailer.sendRaw(message(i, true))),
    );
    await mailer.close();
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(server.received).toHaveLength(19);
    expect(server.peak).toBeLessThanOrEqual(2);
    // 20 messages, 5 per connection: 4 connections; a 5th at most if the RSET after the refused
    // recipient did not leave its connection usable.
    expect(server.connections).toBeGreaterThanOrEqual(4);
    expect(server.connections).toBeLessThanOrEqual(5);
    expect(Math.max(...server.perConnection)).toBeLessThanOrEqual(5);
  });

  it('prepare opens the connections of a batch ahead of its first message, within maxConnections', async () => {
    server = await startServer();
    const mailer = mailerFor(server.url, { maxConnections: 3 });
    mailer.prepare(5);
    for (let i = 0; i < 100 && server.connections < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.connections).toBe(3);
    expect(server.received).toHaveLength(0);
    await Promise.all(Array.from({ length: 6 }, (_, i) => mailer.sendRaw(message(i, true))));
    mailer.prepare(3);
    await mailer.close();
    expect(server.received).toHaveLength(6);
    // The senders used the prepared connections, and preparing again with all of them open opened none.
    expect(server.connections).toBe(3);
    expect(server.peak).toBe(3);
  });

  it.each([
    ['noticed before the next message', 50],
    ['met by the next message', 0],
  ])(
    'a connection the server dropped while idle is replaced (%s), and the message goes out once',
    async (_, waitMs) => {
      server = await startServer();
      const mailer = mailerFor(server.url, { maxConnections: 1 });
      await mailer.sendRaw(message(1, true));
      for (const c of server.open) c._socket.destroy();
      if (waitMs) await new Promise((r) => setTimeout(r, waitMs));
      await mailer.sendRaw(message(2, true));
      await mailer.close();
      expect(server.received).toHaveLength(2);
      expect(server.connections).toBe(2);
    },
  );

  it('an unreachable relay holds the senders (no error) until it answers, then each message goes once', async () => {
    const first = await startServer();
    const port = Number(new URL(first.url).port);
    await first.stop();
    const outages: Array<string | undefined> = [];
    let back: Promise<Server> | undefined;
    const mailer = mailerFor(first.url, {
      maxConnections: 2,
      onOutage: (outage) => {
        outages.push(outage?.lastError);
        // The relay comes back once the pool has noticed it is gone (an event, not a sleep).
        if (outage && !back) back = startServer(undefined, undefined, port);
      },
    });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => viaLane(mailer, message(i, true))));
    server = await back!;
    await mailer.close();
    expect(results).toHaveLength(6);
    expect(outages[0]).toMatch(/connection refused \(ECONNREFUSED\)/);
    expect(outages.at(-1)).toBeUndefined();
    expect(server.received).toHaveLength(6);
  });

  it.each([
    ['refuses connections', 'smtp', () => closedPort()],
    [
      'answers 421 at the greeting',
      'smtp',
      () => rawServer((socket) => socket.end('421 busy, try later\r\n')),
    ],
    ['closes during the TLS handshake', 'smtps', () => rawServer((socket) => socket.destroy())],
  ])(
    'a relay that %s is an outage; past the limit every lane gets ERELAYDOWN, none waits forever; a test send fails at once',
    async (_, scheme, start) => {
      const port = await start();
      const mailer = mailerFor(`${scheme}://127.0.0.1:${port}`, { maxConnections: 2, outageLimitMs: 1500 });
      mailer.prepare(2);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => viaLane(mailer, message(i, true))),
      );
      // A test send (sendRaw) meanwhile does not wait: it fails at once, saying why.
      const alone = mailerFor(`${scheme}://127.0.0.1:${port}`, { outageLimitMs: 60_000 });
      const first = await alone.sendRaw(message(9, true)).catch((e: Error & { code?: string }) => e);
      const second = await alone.sendRaw(message(9, true)).catch((e: Error) => e);
      await alone.close();
      await mailer.close();
      expect((first as { stage?: string }).stage).toBe('connect');
      expect((second as Error).message).toMatch(/^relay unreachable since \d\d:\d\d UTC, next try in \d+ s/);
      expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
      for (const r of results) expect((r as PromiseRejectedResult).reason.code).toBe('ERELAYDOWN');
      expect((results[0] as PromiseRejectedResult).reason.message).toMatch(
        /^relay unreachable since \d\d:\d\d UTC, longer than the limit of 2 s \(RELAY_OUTAGE_LIMIT\)/,
      );
    },
  );
});

/** One message the way a send lane sends it: a connection first (waiting out an outage), then the message. */
async function viaLane(mailer: Mailer, m: RawMessage) {
  const lane = mailer.lane();
  try {
    if (!(await lane.ready())) throw new Error('stopped');
    return await lane.send(m);
  } finally {
    lane.release();
  }
}

const rawServers: NetServer[] = [];
afterEach(async () => {
  for (const s of rawServers.splice(0)) await new Promise((r) => s.close(() => r(undefined)));
});

/** A TCP server that does only `onSocket` with each connection. */
async function rawServer(onSocket: (socket: Socket) => void): Promise<number> {
  const s = createServer(onSocket);
  rawServers.push(s);
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', () => res()));
  const addr = s.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

/** A port nothing listens on (it did a moment ago). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', () => res()));
  const addr = s.address();
  await new Promise((r) => s.close(() => r(undefined)));
  return typeof addr === 'object' && addr ? addr.port : 0;
}

describe.each(['starttls', 'implicit', 'off'] as const)('over %s', (mode) => {
  it('a failure says whether the final "." went out: before it a retry, after it uncertain', async () => {
    const sink = await startSmtpSink(
      {
        onRcpt: (to) => (to === 'r1@example.com' ? 'drop' : undefined),
        onData: (to) => (to.includes('r2@example.com') ? 'drop' : undefined),
      },
      { tls: mode },
    );
    try {
      expect(sink.url.startsWith(mode === 'implicit' ? 'smtps://' : 'smtp://')).toBe(true);
      const mailer = mailerFor(sink.url, { maxConnections: 1 });
      const atRcpt = (await mailer.sendRaw(message(1, true)).catch((e: unknown) => e)) as SmtpFailure;
      const afterDot = (await mailer.sendRaw(message(2, true)).catch((e: unknown) => e)) as SmtpFailure;
      await mailer.sendRaw(message(3, true));
      await mailer.close();
      expect(atRcpt.bodySent).toBe(false);
      expect(classifySmtpError(atRcpt)).toBe('temporary');
      expect(afterDot.bodySent).toBe(true);
      expect(classifySmtpError(afterDot)).toBe('uncertain');
      expect(sink.messages.map((m) => m.envelopeTo[0])).toEqual(['r3@example.com']);
    } finally {
      await sink.stop();
    }
  });
});
