/**
 * `npm run bench`: the delivery benchmark. Everything runs on this machine: a private redis-server
 * (AOF on), the SMTP sink process, `digest worker` processes, and the two comparison pipelines.
 *
 *   npm run bench -- [--quick] [--sizes 10000,50000,100000] [--workers 1,2,4] [--repeat 3]
 *                    [--naive-count 300] [--profile DIR] [--no-write]
 *
 * Prints a table, writes bench-results.json (git-ignored) and the generated figures of BENCHMARKS.md.
 * --profile DIR runs every worker with `node --cpu-prof` into DIR.
 */
import { execSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { measureMicro } from './micro.ts';
import { type OursFigures, runOurs } from './ours.ts';
import { loadAverage } from './proc-stats.ts';
import {
  type BenchResults,
  formatMarkdown,
  medianRun,
  summarise,
  type TransportRuns,
  writeBenchmarksSection,
} from './report.ts';
import { runSide, type SideFigures } from './side-runs.ts';
import type { BenchTransport } from './sink-process.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** `digest start` runs one process; that is the default deployment the targets speak of. */
const DEFAULT_WORKERS = 1;

const USAGE =
  'usage: npm run bench -- [--cluster] [--quick] [--sizes 10000,50000] [--workers 1,2,4] [--repeat 3] [--naive-count 300] [--profile DIR] [--no-write]';
// `npm run bench -- --cluster`: the Redis Cluster scale figures instead (scripts/bench/cluster-scale.ts).
if (process.argv.includes('--cluster')) {
  process.argv.splice(process.argv.indexOf('--cluster'), 1);
  await import('./cluster-scale.ts');
  process.exit(0);
}
const args = (() => {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        sizes: { type: 'string' },
        workers: { type: 'string' },
        repeat: { type: 'string' },
        'naive-count': { type: 'string' },
        profile: { type: 'string' },
        'no-write': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (args.values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const { values } = args;
const quick = values.quick ?? false;
const list = (v: string | undefined, fallback: number[], name: string) => {
  if (!v) return fallback;
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) {
    process.stderr.write(`bench: --${name} takes comma-separated positive integers, got "${v}"\n${USAGE}\n`);
    process.exit(2);
  }
  return xs;
};
const sizes = list(values.sizes, quick ? [2000, 5000] : [10_000, 50_000, 100_000], 'sizes');
const workerCounts = list(values.workers, quick ? [1, 2] : [1, 2, 4], 'workers');
const repeat = list(values.repeat, [quick ? 1 : 3], 'repeat')[0]!;
const naiveCount = list(values['naive-count'], [quick ? 60 : 300], 'naive-count')[0]!;
const base = sizes[0]!;

const log = (line: string) => process.stderr.write(`${line}\n`);
const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, redis-server ${redisVersion()}`;
// The defaults a `digest worker` with no overrides uses; the ceiling copies them.
const config = loadConfig({ DATA_DIR: join(ROOT, 'var/bench-unused') });
const settings = {
  smtpMaxConnections: config.smtpMaxConnections,
  workerConcurrency: config.workerConcurrency,
  sendBatchSize: config.sendBatchSize,
};
const editionId = defaultEditionId(loadPublication(SAMPLE_PUBLICATION_FILE), new Date());
const loadBefore = loadAverage();
log(
  `bench: sizes ${sizes.join(', ')}; workers ${workerCounts.join(', ')}; ${repeat} repeat(s); load ${loadBefore}`,
);

log('per-step figures (render, MIME, collect, import)...');
const micro = await measureMicro(editionId, { quick });
if (!quick) {
  log('rendering benchmark (scripts/bench/render.ts)...');
  const args = ['bin/tsx-run.js', 'scripts/bench/render.ts', ...(values['no-write'] ? ['--no-write'] : [])];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) log(`render.ts failed: ${r.stderr.slice(-400)}`);
}

const naive: SideFigures[] = [];
const ceiling: SideFigures[] = [];
const ours: OursFigures[] = [];
// The same three pipelines over STARTTLS, each against a sink whose certificate it verifies: what every
// production relay speaks. Run right after each plain run, so a pair shares the machine's mood.
const tls: TransportRuns = { naive: [], ceiling: [], ours: [] };
for (let i = 0; i < repeat; i++) {
  for (const transport of ['plain', 'starttls'] as const) {
    const into = transport === 'plain' ? { naive, ceiling, ours } : tls;
    await sideBySide(i, transport, into);
  }
}

async function sideBySide(i: number, transport: BenchTransport, into: TransportRuns): Promise<void> {
  log(`side by side (${transport}), run ${i + 1}/${repeat}: naive (${naiveCount} messages)...`);
  const { naive, ceiling, ours } = into;
  naive.push(
    // At most 30 s: the naive pipeline's rate is steady after a few messages.
    await runSide(
      'naive-send.ts',
      ['--edition', editionId, '--count', String(naiveCount), '--seconds', '30'],
      transport,
    ),
  );
  log(`  ${naive.at(-1)!.messagesPerSecond.toFixed(1)} msg/s; transport ceiling (${base})...`);
  ceiling.push(
    await runSide(
      'ceiling-send.ts',
      [
        '--edition',
        editionId,
        '--count',
        String(base),
        '--connections',
        String(settings.smtpMaxConnections),
        '--max-messages',
        String(config.smtpMaxMessages),
        // A worker has as many recipients in flight as SMTP connections (its lane slots); more in flight
        // only queue in the pool, which measured slower (about 1,860 against 2,150 msg/s at 10).
        '--inflight',
        String(settings.smtpMaxConnections),
      ],
      transport,
    ),
  );
  log(
    `  ${Math.round(ceiling.at(-1)!.messagesPerSecond)} msg/s; ours (${base}, ${DEFAULT_WORKERS} worker)...`,
  );
  ours.push(
    await runOurs({ subscribers: base, workers: DEFAULT_WORKERS, profileDir: values.profile, transport }),
  );
  log(`  ${Math.round(ours.at(-1)!.messagesPerSecond)} msg/s`);
}

const scaling: OursFigures[] = [medianRun(ours)];
for (const size of sizes.slice(1)) {
  log(`scaling: ours at ${size} subscribers...`);
  scaling.push(await runOurs({ subscribers: size, workers: DEFAULT_WORKERS, profileDir: values.profile }));
  log(
    `  ${scaling.at(-1)!.seconds.toFixed(1)} s, worker peak ${Math.round(scaling.at(-1)!.workerPeakRssMb)} MB`,
  );
}
const workers: OursFigures[] = [];
for (const w of workerCounts) {
  if (w === DEFAULT_WORKERS) {
    workers.push(medianRun(ours));
    continue;
  }
  log(`workers: ours at ${base} subscribers with ${w} worker processes...`);
  workers.push(await runOurs({ subscribers: base, workers: w, profileDir: values.profile }));
  log(`  ${Math.round(workers.at(-1)!.messagesPerSecond)} msg/s`);
}

const partial = {
  date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  commit,
  machine,
  loadBefore,
  loadAfter: loadAverage(),
  quick,
  editionId,
  defaultWorkers: DEFAULT_WORKERS,
  settings,
  micro,
  naive,
  ceiling,
  ours,
  tls,
  scaling,
  workers,
};
const results: BenchResults = { ...partial, summary: summarise(partial) };
const markdown = formatMarkdown(results);
process.stdout.write(`${markdown}\n`);
writeFileSync(join(ROOT, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
if (!values['no-write']) writeBenchmarksSection(join(ROOT, 'BENCHMARKS.md'), markdown);
log('wrote bench-results.json' + (values['no-write'] ? '' : ' and BENCHMARKS.md'));

function redisVersion(): string {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(r.stdout ?? '')?.[1] ?? 'unknown';
}
