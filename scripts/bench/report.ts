/**
 * The benchmark's output: a table for the terminal, bench-results.json, and the generated figures of
 * BENCHMARKS.md (between the `bench:delivery` markers; the rest of the file is written by hand or by
 * other benchmarks and is left alone).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MicroFigures } from './micro.ts';
import type { OursFigures } from './ours.ts';
import type { SideFigures } from './side-runs.ts';

export interface BenchResults {
  date: string;
  commit: string;
  machine: string;
  loadBefore: string;
  loadAfter: string;
  quick: boolean;
  editionId: string;
  defaultWorkers: number;
  settings: { smtpMaxConnections: number; workerConcurrency: number; sendBatchSize: number };
  micro: MicroFigures;
  /** Repeated runs at the base size; the medians are what the ratios use. */
  naive: SideFigures[];
  ceiling: SideFigures[];
  ours: OursFigures[];
  /** The same runs over STARTTLS (each right after its plain-text pair). */
  tls?: TransportRuns;
  /** One run per size with the default number of workers (the base size is the median run). */
  scaling: OursFigures[];
  /** One run per worker count at the base size. */
  workers: OursFigures[];
  summary: Summary;
}

export interface TransportRuns {
  naive: SideFigures[];
  ceiling: SideFigures[];
  ours: OursFigures[];
}

export interface Summary {
  naivePerSecond: number;
  ceilingPerSecond: number;
  oursPerSecond: number;
  oursOverNaive: number;
  oursOverCeiling: number;
  /** Time at the largest size / time at the base size, and the size ratio. */
  timeGrowth: number | undefined;
  sizeGrowth: number | undefined;
  targets: Array<{ name: string; value: string; target: string; met: boolean }>;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The run whose messages/s is the median of the set. */
export const medianRun = <T extends { messagesPerSecond: number }>(runs: T[]): T =>
  [...runs].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond)[Math.floor(runs.length / 2)]!;

export function summarise(r: Omit<BenchResults, 'summary'>): Summary {
  const naive = median(r.naive.map((x) => x.messagesPerSecond));
  const ceiling = median(r.ceiling.map((x) => x.messagesPerSecond));
  const ours = median(r.ours.map((x) => x.messagesPerSecond));
  const base = medianRun(r.ours);
  const largest = r.scaling.at(-1);
  const timeGrowth = largest && largest !== base ? largest.seconds / base.seconds : undefined;
  const sizeGrowth = largest && largest !== base ? largest.subscribers / base.subscribers : undefined;
  const peakWorker = Math.max(...r.scaling.map((s) => s.workerPeakRssMb));
  const redisPerSub = Math.max(...r.scaling.map((s) => s.redisBytesPerSubscriber));
  const targets = [
    {
      name: 'ours / naive',
      value: `${(ours / naive).toFixed(1)}×`,
      target: '≥ 50×',
      met: ours / naive >= 50,
    },
    {
      name: 'ours / ceiling',
      value: (ours / ceiling).toFixed(2),
      target: '≥ 0.7',
      met: ours / ceiling >= 0.7,
    },
    // The absolute 2,000 msg/s target is retired (issue 17): rates on this shared host move by ±20 %
    // between identical runs, so the targets are ratios measured in one run, on each transport.
    ...tlsTargets(r),
    {
      name: `worker peak RSS (largest size ${largest?.subscribers.toLocaleString('en') ?? '-'})`,
      value: `${Math.round(peakWorker)} MB`,
      target: '< 300 MB',
      met: peakWorker < 300,
    },
    {
      name: 'Redis per subscriber (before the ledger)',
      value: `${Math.round(redisPerSub)} B`,
      target: '< 1 KB',
      met: redisPerSub < 1024,
    },
  ];
  if (timeGrowth !== undefined && sizeGrowth !== undefined) {
    targets.push({
      name: `time at ${largest!.subscribers / 1000}k / time at ${base.subscribers / 1000}k`,
      value: timeGrowth.toFixed(1),
      target: `≤ ${(sizeGrowth * 1.1).toFixed(1)}`,
      met: timeGrowth <= sizeGrowth * 1.1,
    });
  }
  return {
    naivePerSecond: naive,
    ceilingPerSecond: ceiling,
    oursPerSecond: ours,
    oursOverNaive: ours / naive,
    oursOverCeiling: ours / ceiling,
    timeGrowth,
    sizeGrowth,
    targets,
  };
}

const n0 = (x: number) => Math.round(x).toLocaleString('en');
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

export function formatMarkdown(r: BenchResults): string {
  const s = r.summary;
  const side = (name: string, runs: SideFigures[], what: string) => {
    const m = medianRun(runs);
    return `| ${name} | ${what} | ${n0(m.messages)} | ${f1(m.seconds)} s | **${f1(median(runs.map((x) => x.messagesPerSecond)))}** | ${n0(m.peakRssMb)} MB | ${f1(m.cpuSeconds)} s | ${n0(m.sinkPeakRssMb)} MB | ${f1(m.sinkCpuSeconds)} s |`;
  };
  const o = medianRun(r.ours);
  const oursRow = (x: OursFigures, label: string) =>
    `| ${label} | ${n0(x.subscribers)} | ${x.workers} | ${f1(x.seconds)} s | **${n0(x.messagesPerSecond)}** | ${f1(x.firstAcceptedSeconds)} s | ${n0(x.steadyPerSecond)} | ${n0(x.workerPeakRssMb)} MB | ${f1(x.workerCpuSeconds)} s | ${n0(x.redisPeakRssMb)} MB | ${f1(x.redisCpuSeconds)} s | ${n0(x.sinkPeakRssMb)} MB | ${f1(x.sinkCpuSeconds)} s | ${n0(x.redisBytesPerSubscriber)} B | ${n0(x.ledgerBytesPerSubscriber)} B |`;
  const lines = [
    '<!-- bench:delivery:start (written by `npm run bench`; do not edit by hand) -->',
    `Measured ${r.date} at commit \`${r.commit}\` on ${r.machine}${r.quick ? ' (**--quick** run: small sizes, one repeat)' : ''}.`,
    `Load average (1, 5, 15 min) before: ${r.loadBefore}; after: ${r.loadAfter}. Other engineers' test runs share these 2 cores, so compare the CPU seconds as well as the rates.`,
    `Settings: SMTP_MAX_CONNECTIONS=${r.settings.smtpMaxConnections}, WORKER_CONCURRENCY=${r.settings.workerConcurrency}, SEND_BATCH_SIZE=${r.settings.sendBatchSize}, ${r.defaultWorkers} worker process by default; digest ${f1(o.bytesPerMessage / 1024)} KB per message on average (5 topic sets).`,
    '',
    `### Side by side (${n0(o.subscribers)} recipients, medians of ${r.ours.length} runs)`,
    '',
    '| pipeline | what | messages | time | msg/s | peak RSS | CPU | sink peak RSS | sink CPU |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    side('naive', r.naive, 'mjml2html + html-to-text + sendMail, new connection each'),
    side('transport ceiling', r.ceiling, 'prebuilt messages through `SmtpMailer.sendRaw` only'),
    `| ours | BullMQ + ledger + render + compose + hand-off | ${n0(o.messages)} | ${f1(o.seconds)} s | **${n0(s.oursPerSecond)}** | ${n0(o.workerPeakRssMb)} MB (worker), ${n0(o.redisPeakRssMb)} MB (Redis) | ${f1(o.workerCpuSeconds)} s (worker), ${f1(o.redisCpuSeconds)} s (Redis) | ${n0(o.sinkPeakRssMb)} MB | ${f1(o.sinkCpuSeconds)} s |`,
    '',
    `Ours (median run): the trigger (build and dispatch) took ${f2(o.triggerSeconds)} s; first message accepted ${f1(o.firstAcceptedSeconds)} s after the trigger; ${n0(o.steadyPerSecond)} msg/s from 20 % to 80 % of the list accepted.`,
    '',
    `ours / naive = **${f1(s.oursOverNaive)}×**; ours / ceiling = **${s.oursOverCeiling.toFixed(2)}**. All runs: ours ${r.ours.map((x) => n0(x.messagesPerSecond)).join(', ')} msg/s; ceiling ${r.ceiling.map((x) => n0(x.messagesPerSecond)).join(', ')}; naive ${r.naive.map((x) => f1(x.messagesPerSecond)).join(', ')}.`,
    '',
    ...transportSection(r),
    '### Scaling and worker processes (ours)',
    '',
    '| run | subscribers | workers | trigger → last accepted | msg/s | trigger → first accepted | msg/s from 20 % to 80 % | worker peak RSS | worker CPU | Redis peak RSS | Redis CPU | sink peak RSS | sink CPU | Redis / subscriber | ledger / subscriber |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.scaling.map((x) => oursRow(x, 'size')),
    ...r.workers.map((x) => oursRow(x, 'workers')),
    '',
    s.timeGrowth !== undefined
      ? `Time grows ${f1(s.timeGrowth)}× for ${f1(s.sizeGrowth!)}× the subscribers.`
      : 'Only one size measured.',
    '',
    '### Per step',
    '',
    '| step | figure |',
    '| --- | ---: |',
    `| per-recipient render + MIME assembly, as sent (byte template filled into one dot-stuffed Buffer, ${f1(r.micro.messageKb)} KB) | ${f1(r.micro.mimeUs)} µs median |`,
    `| the same message by the string path it replaced (Handlebars fill + composeMessage + UTF-8 Buffer) | ${f1(r.micro.stringPathUs)} µs median |`,
    `| Handlebars fill alone (the web preview's render) | ${f1(r.micro.personaliseUs)} µs median |`,
    `| per-recipient signed links (one HMAC, a v2 pair) | ${f1(r.micro.linksUs)} µs median |`,
    `| collect: decode → parse → normalise, ${r.micro.collect.feeds} real feeds (${n0(r.micro.collect.articles)} articles) | ${n0(r.micro.collect.articlesPerSecond)} articles/s |`,
    r.micro.import
      ? `| import: CSV → validated → Redis (${n0(r.micro.import.rows)} rows) | ${n0(r.micro.import.rowsPerSecond)} rows/s |`
      : '| import: CSV → validated → Redis | failed (see the run log) |',
    '',
    '### Targets',
    '',
    '| target | measured | wanted | met |',
    '| --- | ---: | ---: | :---: |',
    ...s.targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`),
    '<!-- bench:delivery:end -->',
  ];
  return lines.join('\n');
}

function tlsTargets(r: Omit<BenchResults, 'summary'>): Summary['targets'] {
  if (!r.tls || r.tls.ours.length === 0) return [];
  const naive = median(r.tls.naive.map((x) => x.messagesPerSecond));
  const ceiling = median(r.tls.ceiling.map((x) => x.messagesPerSecond));
  const ours = median(r.tls.ours.map((x) => x.messagesPerSecond));
  return [
    {
      name: 'ours / naive over STARTTLS',
      value: `${(ours / naive).toFixed(1)}×`,
      target: '≥ 50×',
      met: ours / naive >= 50,
    },
    {
      name: 'ours / ceiling over STARTTLS',
      value: (ours / ceiling).toFixed(2),
      target: '≥ 0.7',
      met: ours / ceiling >= 0.7,
    },
  ];
}

/** Plain text against STARTTLS: the ratios on each transport and CPU per message of each process. */
function transportSection(r: BenchResults): string[] {
  if (!r.tls || r.tls.ours.length === 0) return [];
  const row = (name: string, runs: TransportRuns) => {
    const naive = median(runs.naive.map((x) => x.messagesPerSecond));
    const ceiling = median(runs.ceiling.map((x) => x.messagesPerSecond));
    const ours = median(runs.ours.map((x) => x.messagesPerSecond));
    const o = medianRun(runs.ours);
    const c = medianRun(runs.ceiling);
    const ms = (cpu: number, n: number) => ((cpu * 1000) / Math.max(1, n)).toFixed(3);
    return `| ${name} | ${f1(naive)} | ${n0(ceiling)} | **${n0(ours)}** | **${f1(ours / naive)}×** | **${f2(ours / ceiling)}** | ${ms(o.workerCpuSeconds, o.messages)} | ${ms(o.sinkCpuSeconds, o.messages)} | ${ms(o.redisCpuSeconds, o.messages)} | ${ms(c.cpuSeconds, c.messages)} | ${ms(c.sinkCpuSeconds, c.messages)} |`;
  };
  return [
    `### Plain text and STARTTLS (${n0(r.ours[0]!.subscribers)} recipients, medians of ${r.ours.length} paired runs)`,
    '',
    'Each STARTTLS run follows its plain-text pair; the ceiling and the naive sender use the same transport as ours, against a sink whose self-signed certificate they verify.',
    '',
    '| transport | naive msg/s | ceiling msg/s | ours msg/s | ours / naive | ours / ceiling | worker CPU ms/msg | sink CPU ms/msg | Redis CPU ms/msg | ceiling client CPU ms/msg | ceiling sink CPU ms/msg |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('plain text', { naive: r.naive, ceiling: r.ceiling, ours: r.ours }),
    row('STARTTLS', r.tls),
    '',
    `STARTTLS runs: ours ${r.tls.ours.map((x) => n0(x.messagesPerSecond)).join(', ')} msg/s; ceiling ${r.tls.ceiling.map((x) => n0(x.messagesPerSecond)).join(', ')}; naive ${r.tls.naive.map((x) => f1(x.messagesPerSecond)).join(', ')}.`,
    '',
  ];
}

/** Replaces the generated block in BENCHMARKS.md (or appends a Delivery section holding it). */
export function writeBenchmarksSection(file: string, block: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const pattern = /<!-- bench:delivery:start[\s\S]*?<!-- bench:delivery:end -->/;
  const next = pattern.test(current)
    ? current.replace(pattern, block)
    : `${current.trimEnd()}\n\n## Delivery: latest figures\n\n${block}\n`;
  writeFileSync(file, next);
}
