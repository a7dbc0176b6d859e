/**
 * DKIM against no DKIM, in the same run: paired end-to-end sends (the bench's own world: private
 * redis-server, sink process, `digest worker`s, the `digest send --now` trigger), alternating which
 * goes first, and the per-message cost of signing on its own (compose signed vs unsigned, the RSA
 * signature and the body hash apart), which says whether signing would pay for a worker thread.
 *
 *   node bin/tsx-run.js scripts/bench/dkim.ts [--subscribers 5000] [--pairs 3] [--workers 1]
 *                                            [--transport plain|starttls]
 */
import { createHash, createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { editionWindow } from '../../src/core/edition-window.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { prepareVariant } from '../../src/delivery/prepared-edition.ts';
import { DkimSigner } from '../../src/mail/dkim-signer.ts';
import { messageMemory } from '../../src/mail/message-template.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { benchAddress, benchArticles, benchName } from './bench-digest.ts';
import { type OursFigures, runOurs } from './ours.ts';
import { loadAverage } from './proc-stats.ts';
import type { BenchTransport } from './sink-process.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '5000' },
    pairs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1' },
    transport: { type: 'string', default: 'plain' },
  },
});
const subscribers = Number(values.subscribers);
const pairs = Number(values.pairs);
const workers = Number(values.workers);
const transport = values.transport as BenchTransport;
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const keyFile = join(mkdtempSync(join(tmpdir(), 'nd-bench-dkim-')), 'dkim.pem');
writeFileSync(keyFile, pem, { mode: 0o600 });
const dkimEnv = {
  DKIM_DOMAIN: 'orbit-weekly.example',
  DKIM_SELECTOR: 'bench',
  DKIM_PRIVATE_KEY_FILE: keyFile,
};

function timeEach(n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(n, 1000); i++) fn(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(times);
}

/** Per-message µs: compose unsigned, compose signed, and the signature's two parts alone. */
async function micro() {
  const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
  const editionId = defaultEditionId(publication, new Date());
  const window = editionWindow(editionId, publication.timezone, publication.weekStartsOn);
  const compiled = (await buildVariant({
    publication,
    edition: { id: editionId, windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() },
    articles: benchArticles(editionId, publication),
    topics: ['lunar', 'launch'],
    locale: 'en-GB',
    webUrl: `https://digest.example/editions/${editionId}`,
  }))!;
  const signer = new DkimSigner({
    domainName: 'orbit-weekly.example',
    keySelector: 'bench',
    privateKey: pem,
  });
  const plain = prepareVariant(editionId, publication, compiled);
  const signed = prepareVariant(editionId, publication, compiled, signer);
  const recipient = (i: number) => ({
    subscriberId: `s${i}`,
    email: benchAddress(i),
    name: benchName(i),
    format: 'html' as const,
    unsubscribeUrl: `https://digest.example/u/${i}.abcdefghijklmnop`,
    preferencesUrl: `https://digest.example/p/${i}.abcdefghijklmnop`,
  });
  let scratch: Buffer | undefined;
  const unsigned = (i: number) => {
    const m = plain.compose(recipient(i), { dotStuffed: true, scratch, date: new Date() });
    scratch = messageMemory(m.raw as Buffer);
    return m;
  };
  const n = 3000;
  const body = unsigned(0).raw as Buffer;
  // Signed, as a lane does it (awaited), one lane and then ten at once: wall time and the process's
  // CPU per message (libuv's thread pool included).
  const signedRun = async (lanes: number) => {
    for (let i = 0; i < 300; i++)
      await signed.composeToSend(recipient(i), { dotStuffed: true, date: new Date() });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        let own: Buffer | undefined;
        while (next < n) {
          const m = await signed.composeToSend(recipient(next++), {
            dotStuffed: true,
            scratch: own,
            date: new Date(),
          });
          own = messageMemory(m.raw as Buffer);
        }
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    return { wallUs: ((performance.now() - t0) * 1000) / n, cpuUs: (cpu.user + cpu.system) / n };
  };
  const one = await signedRun(1);
  const ten = await signedRun(10);
  return {
    messageKb: body.length / 1024,
    unsignedUs: timeEach(n, unsigned),
    signedOneLane: one,
    signedTenLanes: ten,
    rsaUs: timeEach(n, (i) => createSign('RSA-SHA256').update(`header block ${i}`).sign(privateKey)),
    sha256Us: timeEach(n, () => createHash('sha256').update(body).digest()),
  };
}

const m = await micro();
log(
  `micro: ${m.messageKb.toFixed(1)} KB; compose unsigned ${m.unsignedUs.toFixed(1)} µs;` +
    ` signed, 1 lane ${m.signedOneLane.wallUs.toFixed(0)} µs wall / ${m.signedOneLane.cpuUs.toFixed(0)} µs CPU,` +
    ` 10 lanes ${m.signedTenLanes.wallUs.toFixed(0)} µs wall / ${m.signedTenLanes.cpuUs.toFixed(0)} µs CPU per message` +
    ` (RSA-2048 alone ${m.rsaUs.toFixed(1)} µs, SHA-256 of the message ${m.sha256Us.toFixed(1)} µs)`,
);

const runs: Array<{ pair: number; dkim: boolean; f: OursFigures; load: string }> = [];
for (let pair = 0; pair < pairs; pair++) {
  const order = pair % 2 === 0 ? [false, true] : [true, false];
  for (const dkim of order) {
    const load = loadAverage();
    const f = await runOurs({ subscribers, workers, transport, env: dkim ? dkimEnv : {} });
    runs.push({ pair, dkim, f, load });
    log(
      `pair ${pair + 1} ${dkim ? 'DKIM    ' : 'no DKIM '}: ${f.messagesPerSecond.toFixed(0)} msg/s (steady ${f.steadyPerSecond.toFixed(0)}),` +
        ` worker CPU ${((f.workerCpuSeconds / f.messages) * 1e6).toFixed(0)} µs/msg, load ${load}`,
    );
  }
}
const rate = (dkim: boolean) => runs.filter((r) => r.dkim === dkim).map((r) => r.f.messagesPerSecond);
const cpu = (dkim: boolean) =>
  runs.filter((r) => r.dkim === dkim).map((r) => (r.f.workerCpuSeconds / r.f.messages) * 1e6);
const totalCpu = (dkim: boolean) =>
  runs
    .filter((r) => r.dkim === dkim)
    .map((r) => ((r.f.workerCpuSeconds + r.f.sinkCpuSeconds + r.f.redisCpuSeconds) / r.f.messages) * 1e6);
const ratios = Array.from({ length: pairs }, (_, p) => {
  const get = (dkim: boolean) => runs.find((r) => r.pair === p && r.dkim === dkim)!.f.messagesPerSecond;
  return get(true) / get(false);
});
const summary = {
  subscribers,
  workers,
  transport,
  micro: m,
  unsigned: {
    medianPerSecond: median(rate(false)),
    runs: rate(false),
    workerCpuUsPerMessage: median(cpu(false)),
    totalCpuUsPerMessage: median(totalCpu(false)),
  },
  signed: {
    medianPerSecond: median(rate(true)),
    runs: rate(true),
    workerCpuUsPerMessage: median(cpu(true)),
    totalCpuUsPerMessage: median(totalCpu(true)),
  },
  pairRatios: ratios,
  medianRatio: median(ratios),
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
