/**
 * One end-to-end send of our pipeline: a fresh world (Redis, sink), N seeded subscribers, W `digest
 * worker` processes, then the trigger (`startSend` with `--now`, what `digest send --now` runs) and
 * the clock until the last delivery is recorded (`finishedAt`, written by the record script right
 * after the sink accepted the last message).
 */
import { controlDeps } from '../../src/app/step-deps.ts';
import { startSend } from '../../src/delivery/edition-control.ts';
import { startBenchWorld } from './bench-world.ts';
import { cpuSeconds, peakRssMb } from './proc-stats.ts';
import type { BenchTransport } from './sink-process.ts';

export interface OursFigures {
  subscribers: number;
  workers: number;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  bytesPerMessage: number;
  seedSeconds: number;
  /** Largest peak RSS among the worker processes (MB). */
  workerPeakRssMb: number;
  /** CPU seconds of all worker processes during the send. */
  workerCpuSeconds: number;
  redisPeakRssMb: number;
  redisCpuSeconds: number;
  sinkPeakRssMb: number;
  sinkCpuSeconds: number;
  /** Redis used_memory growth from seeding the subscribers, per subscriber. */
  redisBytesPerSubscriber: number;
  /** Further growth from the build, the ledger and the send, per subscriber. */
  ledgerBytesPerSubscriber: number;
  /** Trigger → first message accepted by the sink (sampled every 100 ms). */
  firstAcceptedSeconds: number;
  /**
   * Messages per second between 20 % and 80 % of the list accepted: the send once the build, the
   * connections and the JIT warm-up are behind it (sampled every 100 ms, interpolated).
   */
  steadyPerSecond: number;
  /** Trigger → `startSend` returned: the build (scan, MJML per variant, freeze) and the dispatch. */
  triggerSeconds: number;
}

/** When `count` messages had been accepted, interpolated between two samples. */
function timeAt(samples: Array<{ t: number; n: number }>, count: number): number {
  const i = samples.findIndex((x) => x.n >= count);
  if (i <= 0) return samples[Math.max(0, i)]?.t ?? 0;
  const a = samples[i - 1]!;
  const b = samples[i]!;
  return a.t + ((b.t - a.t) * (count - a.n)) / Math.max(1, b.n - a.n);
}

export async function runOurs(options: {
  subscribers: number;
  workers: number;
  profileDir?: string;
  env?: Record<string, string>;
  transport?: BenchTransport;
}): Promise<OursFigures> {
  const world = await startBenchWorld(options.env, options.transport);
  try {
    const { c, editionId } = world;
    await world.seedArticles();
    const mem0 = await world.redisMemory();
    const s0 = performance.now();
    await world.seedSubscribers(options.subscribers);
    const seedSeconds = (performance.now() - s0) / 1000;
    const mem1 = await world.redisMemory();
    const workers = await world.startWorkers(options.workers, options.profileDir);
    const cpu0 = workers.map((w) => cpuSeconds(w.pid) ?? 0);
    const redisCpu0 = cpuSeconds(world.redis.pid) ?? 0;
    const sinkCpu0 = cpuSeconds(world.sink.pid) ?? 0;
    const sink0 = await world.sink.counters();

    const t0 = Date.now();
    await startSend(controlDeps(c), editionId, { immediate: true, force: true, now: new Date(t0) });
    const triggerSeconds = (Date.now() - t0) / 1000;
    const limitMs = Math.max(180_000, options.subscribers * 20);
    let edition = await c.editions.get(editionId);
    // The sink's count every 100 ms: when the first message arrived and how fast the middle went.
    const samples: Array<{ t: number; n: number }> = [{ t: 0, n: 0 }];
    while (edition?.status !== 'sent') {
      if (Date.now() - t0 > limitMs) {
        const counts = await c.ledger.counts(editionId);
        throw new Error(`the send did not finish in ${limitMs / 1000} s: ${JSON.stringify(counts)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
      edition = await c.editions.get(editionId);
      const { messages: n } = await world.sink.counters();
      samples.push({ t: (Date.now() - t0) / 1000, n: n - sink0.messages });
    }
    const seconds = (Date.parse(edition.finishedAt!) - t0) / 1000;
    const counts = await c.ledger.counts(editionId);
    const sink1 = await world.sink.counters();
    const messages = sink1.messages - sink0.messages;
    if (counts.sent !== options.subscribers || messages !== options.subscribers) {
      throw new Error(
        `expected ${options.subscribers} messages; ledger ${JSON.stringify(counts)}, sink ${messages}`,
      );
    }
    const mem2 = await world.redisMemory();
    const figures: OursFigures = {
      subscribers: options.subscribers,
      workers: options.workers,
      messages,
      seconds,
      messagesPerSecond: messages / seconds,
      bytesPerMessage: (sink1.bytes - sink0.bytes) / messages,
      seedSeconds,
      workerPeakRssMb: Math.max(...workers.map((w) => peakRssMb(w.pid) ?? 0)),
      workerCpuSeconds: workers.reduce((s, w, i) => s + (cpuSeconds(w.pid) ?? 0) - cpu0[i]!, 0),
      redisPeakRssMb: peakRssMb(world.redis.pid) ?? 0,
      redisCpuSeconds: (cpuSeconds(world.redis.pid) ?? 0) - redisCpu0,
      sinkPeakRssMb: peakRssMb(world.sink.pid) ?? 0,
      sinkCpuSeconds: (cpuSeconds(world.sink.pid) ?? 0) - sinkCpu0,
      redisBytesPerSubscriber: (mem1 - mem0) / options.subscribers,
      ledgerBytesPerSubscriber: (mem2 - mem1) / options.subscribers,
      firstAcceptedSeconds: samples.find((x) => x.n > 0)?.t ?? seconds,
      steadyPerSecond:
        (0.6 * messages) / Math.max(0.001, timeAt(samples, 0.8 * messages) - timeAt(samples, 0.2 * messages)),
      triggerSeconds,
    };
    await Promise.all(workers.map((w) => w.stop()));
    return figures;
  } finally {
    await world.close();
  }
}
