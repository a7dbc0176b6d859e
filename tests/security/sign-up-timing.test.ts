/**
 * Issue 18 #6: sign-up answered a suppressed address faster than a mailed one (the handler waited for
 * the SMTP send), so response times told which addresses are suppressed. The answer now comes before
 * any of the sign-up's work (store, throttle, SMTP), for every address alike. Shown without timing
 * thresholds: the relay's greeting is held until the responses are in, so a handler that waited for
 * SMTP could not answer at all; the confirmation email then arrives once the relay speaks.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

/** A TCP relay in front of the sink that holds every connection (no greeting) until `release`. */
async function startHeldRelay(target: number) {
  const held: Socket[] = [];
  let released = false;
  const connect = (client: Socket) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  };
  const server: Server = createServer((client) => {
    if (released) return connect(client);
    client.pause();
    held.push(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    release() {
      released = true;
      for (const client of held.splice(0)) {
        connect(client);
        client.resume();
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('sign-up answers before any SMTP work, whatever the address (issue 18 #6)', () => {
  let sink: SmtpSink;
  let relay: Awaited<ReturnType<typeof startHeldRelay>>;
  let c: Container;
  let app: FastifyInstance;
  beforeAll(async () => {
    sink = await startSmtpSink();
    relay = await startHeldRelay(sink.port);
    c = await createTestContainer({ smtpUrl: `smtp://127.0.0.1:${relay.port}` });
    app = await buildApp(c);
  });
  afterAll(async () => {
    relay.release();
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await relay.stop();
    await sink.stop();
  });

  it('mailed and suppressed addresses get the same answer while the relay has not even greeted', async () => {
    // A complaint keeps an address suppressed for good (a forgotten one may sign up again).
    await c.subscribers.create(
      {
        email: 'gone@readers.example',
        status: 'complained',
        suppress: true,
        timezone: 'UTC',
        hour: 8,
        locale: 'en-GB',
      },
      'admin',
    );
    expect(await c.subscribers.isSuppressed('gone@readers.example')).toBe(true);

    const ask = (email: string, ip: string) =>
      app.inject({ method: 'POST', url: '/subscribe', remoteAddress: ip, payload: { email } });
    const mailed = await ask('new@readers.example', '192.0.2.10');
    const suppressed = await ask('gone@readers.example', '192.0.2.11');
    expect(mailed.statusCode).toBe(200);
    expect(suppressed.statusCode).toBe(200);
    expect(suppressed.body).toBe(mailed.body);
    expect(sink.messages).toHaveLength(0);

    relay.release();
    await sink.waitFor(1);
    expect(sink.messages[0]!.envelopeTo).toEqual(['new@readers.example']);
  }, 30_000);
});
