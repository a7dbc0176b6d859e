/**
 * Scenario 8: 200 requests a second for 30 s to the preference center (GET and POST /p/:token) and
 * one-click unsubscribe (POST /u/:token) of a `digest serve` process, while a send runs. Promise: no
 * error responses, p99 latency reported, and no acknowledged write lost. Each subscriber's writes come
 * from one connection at a time, so the last acknowledged write per subscriber must be what is stored.
 */
import autocannon from 'autocannon';
import { afterAll, describe, it } from 'vitest';
import { linkUrl } from '../../src/links/subscriber-links.ts';
import { freePort } from '../../src/redis/embedded-redis.ts';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type ChaosEnv, startChaosEnv } from './harness/chaos-env.ts';
import { auditEdition, waitForCounts, waitForEdition } from './harness/delivery-audit.ts';
import { type DigestProcess, runDigest, startDigest, WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 3000;
const RATE = 200;
const SECONDS = 30;

let world: ChaosEnv | undefined;
let pool: WorkerPool | undefined;
let http: DigestProcess | undefined;
afterAll(async () => {
  http?.signal('SIGTERM');
  await http?.exited;
  await pool?.stop();
  await world?.close();
});

describe('chaos: HTTP load during a send', () => {
  it('200 preference/one-click requests per second for 30 s: no errors, no lost write', async () => {
    await runScenario(
      {
        id: '08-http-load',
        title: `${RATE} preference-center + one-click requests/s for ${SECONDS} s during a send`,
        promise: 'no error responses; p99 latency reported; no lost write',
      },
      async () => {
        const port = await freePort();
        world = await startChaosEnv({
          env: { SEND_RATE: '100', WORKER_CONCURRENCY: '2', SMTP_MAX_CONNECTIONS: '4', PORT: String(port) },
        });
        const { c, env, editionId, sink } = world;
        const subs = await seedSubscribers(c, SUBSCRIBERS);
        http = await startDigest('serve', env);
        pool = new WorkerPool(env);
        await pool.start(2);
        const send = await runDigest(['send', '--edition', editionId, '--now', '--force', '--json'], env);
        if (send.code !== 0) throw new Error(`digest send failed: ${send.output}`);
        await waitForCounts(c, editionId, (n) => (n.sent ?? 0) >= 50, 60_000);

        const now = Date.now() / 1000;
        const path = (purpose: 'preferences' | 'unsubscribe', id: string) =>
          new URL(linkUrl(c.publicUrl, purpose, id, c.linkKeys, now)).pathname;
        // Editors: a subscriber is out of the pool while one connection works on it.
        const free = subs.slice(0, 600).map((s) => s.id);
        const leaving = subs.slice(600, 1600).map((s) => s.id);
        let nextLeaving = 0;
        let seq = 0;
        const lastAcked = new Map<string, string>();
        // A write still unanswered when the run stops may land after its subscriber's last ack.
        const unanswered = new Map<string, string>();
        const unsubscribed = new Set<string>();
        const form = 'content-type';
        const result = await autocannon({
          url: `http://127.0.0.1:${port}`,
          connections: 50,
          duration: SECONDS,
          overallRate: RATE,
          timeout: 10,
          requests: [
            {
              method: 'GET',
              setupRequest: (req, ctx) => {
                const id = free.shift();
                if (!id) return undefined;
                ctx.id = id;
                return { ...req, path: path('preferences', id) };
              },
            },
            {
              method: 'POST',
              setupRequest: (req, ctx) => {
                const name = `Load ${++seq}`;
                ctx.name = name;
                unanswered.set(ctx.id as string, name);
                const body = new URLSearchParams({
                  action: 'save',
                  name,
                  topics: 'lunar',
                  timezone: 'UTC',
                  hour: String(seq % 24),
                  format: 'html',
                  frequency: 'weekly',
                }).toString();
                return {
                  ...req,
                  path: path('preferences', ctx.id as string),
                  headers: { [form]: 'application/x-www-form-urlencoded' },
                  body,
                };
              },
              onResponse: (status, _body, ctx) => {
                if (status === 200) lastAcked.set(ctx.id as string, ctx.name as string);
                unanswered.delete(ctx.id as string);
              },
            },
            {
              method: 'POST',
              setupRequest: (req, ctx) => {
                const id = leaving[nextLeaving++ % leaving.length]!;
                ctx.leaving = id;
                return {
                  ...req,
                  path: path('unsubscribe', id),
                  headers: { [form]: 'application/x-www-form-urlencoded' },
                  body: 'List-Unsubscribe=One-Click',
                };
              },
              onResponse: (status, _body, ctx) => {
                if (status === 200) unsubscribed.add(ctx.leaving as string);
                free.push(ctx.id as string);
              },
            },
          ],
        });
        const sentDuring = (await c.ledger.counts(editionId)).sent;
        const status = await waitForEdition(c, editionId, 180_000);
        const lost: string[] = [];
        for (const [id, name] of lastAcked) {
          const stored = (await c.subscribers.get(id))?.name;
          if (stored !== name && stored !== unanswered.get(id))
            lost.push(`${id} acked "${name}" stored "${stored}"`);
        }
        for (const id of unsubscribed) {
          const stored = (await c.subscribers.get(id))?.status;
          if (stored !== 'unsubscribed') lost.push(`${id} unsubscribe acked, status ${stored}`);
        }
        const lostWrites = lost.length;
        const audit = await auditEdition(c, editionId, sink.deliveries());
        return {
          figures: {
            requests: result.requests.total,
            'req/s': Math.round(result.requests.average),
            '2xx': result['2xx'],
            'error responses': result.non2xx,
            'errors + timeouts': result.errors + result.timeouts,
            'p50 ms': result.latency.p50,
            'p99 ms': result.latency.p99,
            'max ms': result.latency.max,
            'writes acked': lastAcked.size + unsubscribed.size,
            'lost writes': lostWrites,
            'sent during load': sentDuring,
            duplicates: audit.duplicates,
          },
          checks: {
            'the load ran': result.requests.total >= RATE * SECONDS * 0.8,
            'no error responses': result.non2xx === 0 && result.errors === 0 && result.timeouts === 0,
            'no lost write': lostWrites === 0,
            'a send ran meanwhile': sentDuring > 50,
            'edition finished': status === 'sent',
            '0 duplicates': audit.duplicates === 0,
          },
          note: lost.length ? `lost: ${lost.slice(0, 3).join('; ')}` : undefined,
        };
      },
    );
  });
});
