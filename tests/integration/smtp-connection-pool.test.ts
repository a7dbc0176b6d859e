/**
 * The digest hand-off on a real SMTP server (smtp-server on 127.0.0.1): DATA-ready Buffers arrive as
 * the message, connections are bounded, opened ahead of a batch, recycled and reused after a
 * refused recipient, and a message that meets a connection the server dropped while
 * idle goes out over a new one.
 */

import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { directBodySupported } from '../../src/mail/direct-body-connection.ts';
import { nodemailerDataStreams } from '../../src/mail/fast-dot-stuffing.ts';
import { createMessageTemplate, fillMessageTemplate } from '../../src/mail/message-template.ts';
import { createSmtpMailer } from '../../src/mail/smtp-mailer.ts';
import { testFrame } from '../helpers/message-frames.ts';

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
    disabledCommands: ['STARTTLS'],
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
  await new Promise<void>((res) => smtp.listen(0, '127.0.0.1', () => res()));
  const addr = smtp.server.address();
  s.url = `smtp://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}?tls=off`;
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
    { dotStuffed },
  );

describe('SMTP connection pool', () => {
  it('a DATA-ready Buffer arrives as exactly the unstuffed message', async () => {
    server = await startServer();
    const mailer = createSmtpMailer({ url: server.url });
    expect(mailer.acceptsDotStuffed).toBe(true);
    const stuffed = message(1, true);
    expect(stuffed.raw.toString('latin1')).toContain('\r\n..mj-column');
    await mailer.sendRaw(stuffed);
    await mailer.close();
    expect(server.received[0]!.toString('latin1')).toBe(message(1, false).raw.toString('latin1'));
  });

  it("a DATA-ready Buffer goes to the socket as it is, past Nodemailer's DataStream; any other message still through it", async () => {
    server = await startServer();
    expect(directBodySupported).toBe(true);
    // Count what passes through Nodemailer's DataStream (both its builds) while the mailer sends.
    const classes = await nodemailerDataStreams();
    const originals = classes.map((c) => c.prototype._transform);
    let transformed = 0;
    classes.forEach((c, k) => {
      const original = originals[k]!;
      c.prototype._transform = function (this: ThisParameterType<typeof original>, ...args) {
        transformed++;
        return original.apply(this, args);
      };
    });
    try {
      const mailer = createSmtpMailer({ url: server.url, maxConnections: 1 });
      await mailer.sendRaw(message(1, true));
      await mailer.sendRaw(message(2, true));
      expect(transformed).toBe(0);
      await mailer.sendRaw(message(3, false));
      expect(transformed).toBeGreaterThan(0);
      await mailer.close();
    } finally {
      classes.forEach((c, k) => {
        c.prototype._transform = originals[k]!;
      });
    }
    expect(server.received.map((b) => b.toString('latin1'))).toEqual(
      [1, 2, 3].map((i) => message(i, false).raw.toString('latin1')),
    );
    expect(server.connections).toBe(1);
  });

  it('a message refused at the end of DATA fails with the reply, and its connection carries the next one', async () => {
    server = await startServer(undefined, (to) => to === 'r2@example.com');
    const mailer = createSmtpMailer({ url: server.url, maxConnections: 1 });
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
    const mailer = createSmtpMailer({ url: server.url, maxConnections: 2, maxMessages: 5 });
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
    const mailer = createSmtpMailer({ url: server.url, maxConnections: 3 });
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
      const mailer = createSmtpMailer({ url: server.url, maxConnections: 1 });
      await mailer.sendRaw(message(1, true));
      for (const c of server.open) c._socket.destroy();
      if (waitMs) await new Promise((r) => setTimeout(r, waitMs));
      await mailer.sendRaw(message(2, true));
      await mailer.close();
      expect(server.received).toHaveLength(2);
      expect(server.connections).toBe(2);
    },
  );

  it('with no server, every sender gets a connection error, none waits forever', async () => {
    const closed = await startServer();
    const url = closed.url;
    await closed.stop();
    const mailer = createSmtpMailer({ url, maxConnections: 2 });
    // Connections prepared ahead fail quietly; each sender then meets the error itself.
    mailer.prepare(2);
    const results = await Promise.allSettled(
      Array.from({ length: 9 }, (_, i) => mailer.sendRaw(message(i, true))),
    );
    await mailer.close();
    expect(results.map((r) => r.status)).toEqual(Array(9).fill('rejected'));
    for (const r of results) expect((r as PromiseRejectedResult).reason.code).toBe('ECONNECTION');
  });
});
