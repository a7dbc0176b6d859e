/**
 * DSNs per second through the inbound listener into Redis: a real `digest inbound` process (its own
 * redis-server with AOF, as in production) takes Postfix-style hard-bounce DSNs, each to its own
 * signed VERP address, from a pool of SMTP connections in this process (Nodemailer). The listener
 * answers 250 only after the bounce is applied (history, suppression, the edition's feedback counts),
 * so the clock stops when the last reply arrives; every subscriber is then checked to be `bounced`.
 *
 *   node bin/tsx-run.js scripts/bench/feedback-listener.ts [count=5000] [connections=8] [--quoted]
 *
 * `--quoted` sends Gmail-style DSNs that quote a 75 KB digest (message/rfc822) instead of headers only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { createContainer } from '../../src/app/container.ts';
import { loadConfig } from '../../src/config.ts';
import { feedbackAddresses } from '../../src/feedback/feedback-address.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { ledgerKeys, partitionOfId } from '../../src/redis/key-layout.ts';
import { cpuSeconds, loadAverage } from './proc-stats.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const COUNT = Number(args[0] ?? 5000);
const CONNECTIONS = Number(args[1] ?? 8);
const QUOTED = process.argv.includes('--quoted');
const EDITION = '2026-W46';

const dir = mkdtempSync(join(tmpdir(), 'nd-bench-feedback-'));
const redis = await startEmbeddedRedis({ dir: join(dir, 'redis') });
const env = {
  REDIS_URL: redis.url,
  REDIS_PREFIX: 'benchfb',
  DATA_DIR: join(dir, 'data'),
  LINK_SECRET: 'bench-link-secret-0123456789',
  SMTP_URL: 'smtp://127.0.0.1:9?tls=off',
  BOUNCE_DOMAIN: 'bounces.example.com',
  INBOUND_SMTP_PORT: '0',
  INBOUND_MAX_BYTES: '5000000',
  INBOUND_RATE_PER_MINUTE: '1000000',
  LOG_LEVEL: 'warn',
};
const c = await createContainer(loadConfig(env), createLogger({ level: 'silent', pretty: false }));

const template = readFileSync(
  join(ROOT, 'tests/fixtures/feedback', QUOTED ? 'gmail-dsn.eml' : 'postfix-dsn-hard.eml'),
  'utf8',
).replace(/\r?\n/g, '\r\n');
const filler = QUOTED ? `${'<p>The week in space, quoted back by the receiver.</p>\r\n'.repeat(1400)}` : '';

const inputs = Array.from({ length: COUNT }, (_, i) => ({
  email: `reader${i}@readers.example`,
  timezone: 'UTC',
  hour: 8,
  locale: 'en',
  status: 'active' as const,
}));
const ids: string[] = [];
for (let i = 0; i < inputs.length; i += 1000)
  for (const r of await c.subscribers.createMany(inputs.slice(i, i + 1000), 'import')) ids.push(r.id!);
// The edition's ledger says each was sent, so each bounce counts as "delivered, then bounced".
for (const id of ids)
  await c.redis.hset(ledgerKeys(env.REDIS_PREFIX, EDITION, partitionOfId(id)).ledger, id, 'sent');

const messages = ids.map((id, i) => {
  const { bounce } = feedbackAddresses(EDITION, id, c.linkKeys[0]!, 'bounces.example.com');
  const raw = template
    .replaceAll('__RETURN_PATH__', bounce)
    .replaceAll('__RECIPIENT__', `reader${i}@readers.example`)
    .replaceAll('__MESSAGE_ID__', `<${EDITION}.${id}@orbit-weekly.example>`)
    .replace('<20261207100211.3F4A81C0A2B@mx.example.org>', `<dsn-${i}@mx.example.org>`)
    .replace('The week in space.\r\n', `The week in space.\r\n${filler}`);
  return { to: bounce, raw: Buffer.from(raw) };
});

const child = spawn(process.execPath, [join(ROOT, 'bin/digest.js'), 'inbound'], {
  cwd: ROOT,
  env: { ...process.env, ...env },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((res, rej) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /Feedback: SMTP [^:]+:(\d+)/.exec(out);
    if (m) res(Number(m[1]));
  });
  child.once('exit', (code) => rej(new Error(`digest inbound exited ${code}: ${out}`)));
});

const transport = nodemailer.createTransport({
  host: '127.0.0.1',
  port,
  secure: false,
  ignoreTLS: true,
  pool: true,
  maxConnections: CONNECTIONS,
  maxMessages: Number.POSITIVE_INFINITY,
});
const cpuBefore = process.cpuUsage();
const listenerCpu0 = cpuSeconds(child.pid!) ?? 0;
const redisCpu0 = cpuSeconds(redis.pid) ?? 0;
const load = loadAverage();
const t0 = process.hrtime.bigint();
let next = 0;
await Promise.all(
  Array.from({ length: CONNECTIONS * 2 }, async () => {
    while (next < messages.length) {
      const m = messages[next++]!;
      await transport.sendMail({ envelope: { from: '', to: [m.to] }, raw: m.raw });
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const clientCpu = process.cpuUsage(cpuBefore);
const listenerCpu = (cpuSeconds(child.pid!) ?? 0) - listenerCpu0;
const redisCpu = (cpuSeconds(redis.pid) ?? 0) - redisCpu0;
transport.close();

const counts = await c.subscribers.counts();
const feedback = await c.ledger.feedbackCounts(EDITION);
const bytes = messages.reduce((n, m) => n + m.raw.length, 0) / messages.length;
console.log(
  JSON.stringify({
    dsns: COUNT,
    connections: CONNECTIONS,
    averageBytes: Math.round(bytes),
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(COUNT / seconds),
    bounced: counts.bounced,
    editionBounced: feedback.bounced.afterSent,
    listenerCpuSeconds: Number(listenerCpu.toFixed(2)),
    redisCpuSeconds: Number(redisCpu.toFixed(2)),
    // What one core does when it is not shared: DSNs per second of the listener's and Redis's CPU.
    perCpuSecond: Math.round(COUNT / (listenerCpu + redisCpu)),
    loadAverage: load,
    clientCpuSeconds: Number(((clientCpu.user + clientCpu.system) / 1e6).toFixed(2)),
  }),
);
if (counts.bounced !== COUNT) throw new Error(`only ${counts.bounced} of ${COUNT} subscribers bounced`);

child.kill('SIGTERM');
await new Promise((res) => child.once('exit', res));
await c.close();
await redis.stop();
rmSync(dir, { recursive: true, force: true });
