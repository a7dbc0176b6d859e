/**
 * `npm run bench -- --cluster` (or `npm run bench:cluster`): the scale figures of issue 22 on a local 3-master Redis Cluster
 * (tests/helpers/redis-cluster.ts; AOF off: memory is what is measured, not disk).
 *
 *   npm run bench:cluster -- [--small 100000] [--large 1000000] [--no-large] [--send-workers 2]
 *
 * 1. seed `small` subscribers through the subscriber store (`createMany`: single-slot scripts sent together):
 *    Redis memory per subscriber (used_memory summed over the masters);
 * 2. build an edition for them (time; memory per ledger entry) and dispatch it with no worker running
 *    (time: the dispatch alone);
 * 3. send it through the bench sink with `send-workers` `digest worker` processes (time, rate, and the
 *    CPU each master spent: is the send queue's master the busy one?);
 * 4. seed up to `large`, build and dispatch a second edition: the times at `large`, and their ratio to
 *    the times at `small` (≤ 11 wanted for ×10 subscribers), the send queue master's memory with
 *    every send job of `large` queued.
 * Prints the figures as JSON (and a Markdown table) on stdout.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { type Container, createContainer } from '../../src/app/container.ts';
import { buildDeps, controlDeps } from '../../src/app/step-deps.ts';
import { loadConfig } from '../../src/config.ts';
import { editionIdFor } from '../../src/core/edition-window.ts';
import { startSend } from '../../src/delivery/edition-control.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { QUEUES } from '../../src/queues/queue-names.ts';
import { bullPrefix } from '../../src/redis/key-layout.ts';
import { startRedisCluster } from '../../tests/helpers/redis-cluster.ts';
import { benchAddress, benchArticles, benchName, TIMEZONES, TOPIC_SETS } from './bench-digest.ts';
import { startWorker } from './bench-world.ts';
import { startBenchSink } from './sink-process.ts';

const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '100000' },
    large: { type: 'string', default: '1000000' },
    'no-large': { type: 'boolean', default: false },
    'send-workers': { type: 'string', default: '2' },
  },
});
const SMALL = Number(values.small);
const LARGE = Number(values.large);
const SEND_WORKERS = Number(values['send-workers']);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

const cluster = await startRedisCluster({ masters: 3 });
const sink = await startBenchSink('plain');
const dir = mkdtempSync(join(tmpdir(), 'nd-bench-cluster-'));
const env: Record<string, string> = {
  REDIS_CLUSTER_NODES: cluster.seedNodes,
  REDIS_PREFIX: 'bench',
  SMTP_URL: sink.url,
  DATA_DIR: dir,
  LINK_SECRET: 'bench-link-secret-0123456789',
  ADMIN_TOKEN: 'bench-admin-token-0123456789',
  PUBLIC_URL: 'https://digest.example',
  INBOUND_SMTP_PORT: 'off',
  LOG_LEVEL: 'warn',
  SEND_RATE: '100000',
};
const c: Container = await createContainer(loadConfig(env), createLogger({ level: 'silent', pretty: false }));
const masters = await cluster.masterPorts();
const nodes = masters.map((port) => new Redis(port, '127.0.0.1'));
const memory = async () =>
  (await Promise.all(nodes.map((n) => n.info('memory')))).reduce(
    (s, info) => s + Number(/used_memory:(\d+)/.exec(info)![1]),
    0,
  );
const cpuOf = async () =>
  Promise.all(
    nodes.map(async (n) => {
      const info = await n.info('cpu');
      return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
    }),
  );
const sendQueueMaster = async () => {
  const slot = (await nodes[0]!.cluster(
    'KEYSLOT',
    `${bullPrefix('bench', QUEUES.send)}:send:meta`,
  )) as number;
  const slots = await nodes[0]!.cluster('SLOTS');
  const owner = slots.find(([a, b]) => slot >= a && slot <= b)![2]![1];
  return masters.indexOf(owner);
};

let seeded = 0;
async function seedTo(n: number): Promise<number> {
  const t0 = performance.now();
  const CHUNK = 2000;
  // Two chunks in flight: one is written while the next is made.
  const chunks: Array<Promise<unknown>> = [];
  for (let from = seeded; from < n; from += CHUNK) {
    const inputs = Array.from({ length: Math.min(CHUNK, n - from) }, (_, k) => {
      const i = from + k;
      return {
        email: benchAddress(i),
        name: benchName(i),
        status: 'active' as const,
        topics: TOPIC_SETS[i % TOPIC_SETS.length]!,
        timezone: TIMEZONES[i % TIMEZONES.length]!,
        hour: i % 24,
        locale: 'en-GB',
      };
    });
    chunks.push(
      c.subscribers.createMany(inputs, 'import', 'bench').then((r) => {
        if (r.some((x) => !x.created)) throw new Error('a bench subscriber was refused');
      }),
    );
    if (chunks.length >= 2) await chunks.shift();
    if ((from / CHUNK) % 50 === 0) log(`seeded ${from.toLocaleString('en')}`);
  }
  await Promise.all(chunks);
  seeded = n;
  return (performance.now() - t0) / 1000;
}

/** Build, then dispatch (no worker runs, so the dispatch is timed alone). */
async function buildAndDispatch(editionId: string) {
  for (const a of benchArticles(editionId, c.publication)) await c.articles.upsert(a);
  const m0 = await memory();
  const t0 = performance.now();
  await buildEdition(buildDeps(c), editionId, new Date());
  const buildSeconds = (performance.now() - t0) / 1000;
  const m1 = await memory();
  const t1 = performance.now();
  const { dispatched } = await startSend(controlDeps(c), editionId, {
    immediate: true,
    force: true,
    now: new Date(),
  });
  const dispatchSeconds = (performance.now() - t1) / 1000;
  const m2 = await memory();
  return { dispatched, buildSeconds, dispatchSeconds, ledgerBytes: m1 - m0, queueBytes: m2 - m1 };
}

const weeksAgo = (w: number) =>
  editionIdFor(new Date(Date.now() - w * 7 * 86_400_000), c.publication.timezone, c.publication.weekStartsOn);

const figures: Record<string, unknown> = {
  masters: 3,
  small: SMALL,
  large: LARGE,
  sendWorkers: SEND_WORKERS,
};
try {
  const mem0 = await memory();
  figures.seedSecondsSmall = await seedTo(SMALL);
  const mem1 = await memory();
  figures.bytesPerSubscriber = Math.round((mem1 - mem0) / SMALL);
  log(`seeded ${SMALL}: ${figures.bytesPerSubscriber} B per subscriber`);

  const small = await buildAndDispatch(weeksAgo(2));
  figures.buildSecondsSmall = small.buildSeconds;
  figures.dispatchSecondsSmall = small.dispatchSeconds;
  figures.dispatchedSmall = small.dispatched;
  figures.bytesPerLedgerEntry = Math.round(small.ledgerBytes / SMALL);
  log(`small: build ${small.buildSeconds.toFixed(1)} s, dispatch ${small.dispatchSeconds.toFixed(1)} s`);

  const queueMaster = await sendQueueMaster();
  const keysBefore = await cluster.keysPerMaster();
  figures.keysPerMaster = [...keysBefore.values()];
  const cpu0 = await cpuOf();
  const workers = await Promise.all(
    Array.from({ length: SEND_WORKERS }, () => startWorker(env, undefined).then((w) => w.process)),
  );
  const t0 = Date.now();
  for (;;) {
    const e = await c.editions.get(weeksAgo(2));
    if (e?.status === 'sent') {
      figures.sendSecondsSmall = (Date.parse(e.finishedAt!) - t0) / 1000;
      break;
    }
    if (Date.now() - t0 > 1_800_000)
      throw new Error(`send not done: ${JSON.stringify(await c.ledger.counts(weeksAgo(2)))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const cpu1 = await cpuOf();
  const counts = await c.ledger.counts(weeksAgo(2));
  figures.sentSmall = counts.sent;
  figures.sendPerSecondSmall = Math.round(counts.sent / (figures.sendSecondsSmall as number));
  const cpu = cpu1.map((x, i) => x - cpu0[i]!);
  figures.masterCpuSecondsDuringSend = cpu.map((x) => Number(x.toFixed(1)));
  figures.sendQueueMaster = queueMaster;
  figures.sendQueueMasterCpuShare = Number((cpu[queueMaster]! / cpu.reduce((a, b) => a + b, 0)).toFixed(3));
  await Promise.all(workers.map((w) => w.stop()));
  log(`small send: ${figures.sendSecondsSmall} s, master CPU ${cpu.map((x) => x.toFixed(1)).join('/')}`);

  if (!values['no-large']) {
    figures.seedSecondsLarge = await seedTo(LARGE);
    const mem2 = await memory();
    figures.usedMemoryLargeMb = Math.round(mem2 / 1e6);
    const qm0 = Number(/used_memory:(\d+)/.exec(await nodes[queueMaster]!.info('memory'))![1]);
    const large = await buildAndDispatch(weeksAgo(1));
    figures.buildSecondsLarge = large.buildSeconds;
    figures.dispatchSecondsLarge = large.dispatchSeconds;
    figures.dispatchedLarge = large.dispatched;
    figures.bytesPerLedgerEntryLarge = Math.round(large.ledgerBytes / LARGE);
    const qm1 = Number(/used_memory:(\d+)/.exec(await nodes[queueMaster]!.info('memory'))![1]);
    figures.sendQueueMasterBytesPerQueuedRecipient = Math.round((qm1 - qm0) / LARGE);
    figures.buildRatio = Number((large.buildSeconds / small.buildSeconds).toFixed(2));
    figures.dispatchRatio = Number((large.dispatchSeconds / small.dispatchSeconds).toFixed(2));
    figures.keysPerMasterLarge = [...(await cluster.keysPerMaster()).values()];
    log(`large: build ${large.buildSeconds.toFixed(1)} s, dispatch ${large.dispatchSeconds.toFixed(1)} s`);
  }
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} finally {
  for (const n of nodes) n.disconnect();
  await c.close().catch(() => undefined);
  await sink.stop();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
