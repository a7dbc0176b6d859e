/**
 * The send step's per-recipient cost of two checkouts of this project, measured in one process:
 * `node bin/tsx-run.js scripts/bench/compose-ab.ts <before-dir> <after-dir> [rounds]`. Each tree builds
 * the bench digest (all topics, en-GB) with its own code and fills it for recipients in the bench's six
 * time zones; rounds alternate before/after, so both see the same load on a shared machine, and the
 * ratio of the medians is the answer (BENCHMARKS.md, "Dates in each reader's zone").
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TIMEZONES } from './bench-digest.ts';

const [beforeDir, afterDir, roundsArg] = process.argv.slice(2);
if (!beforeDir || !afterDir) {
  console.error('usage: node bin/tsx-run.js scripts/bench/compose-ab.ts <before-dir> <after-dir> [rounds]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 9);
const PER_ROUND = 5000;

async function composerOf(dir: string) {
  const load = (p: string) => import(pathToFileURL(resolve(dir, p)).href);
  const { loadPublication, SAMPLE_PUBLICATION_FILE } = await load('src/publication/load-publication.ts');
  const { editionWindow } = await load('src/core/edition-window.ts');
  const { buildVariant } = await load('src/render/build-variant.ts');
  const { prepareVariant } = await load('src/delivery/prepared-edition.ts');
  const { messageMemory } = await load('src/mail/message-template.ts');
  const { benchArticles } = await load('scripts/bench/bench-digest.ts');
  const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
  const editionId = '2026-W47';
  const w = editionWindow(editionId, publication.timezone, publication.weekStartsOn);
  const variant = await buildVariant({
    publication,
    edition: { id: editionId, windowStart: w.start.toISOString(), windowEnd: w.end.toISOString() },
    articles: benchArticles(editionId, publication),
    topics: [],
    locale: 'en-GB',
    webUrl: `https://digest.example/editions/${editionId}`,
  });
  const prepared = prepareVariant(editionId, publication, variant);
  let scratch: Buffer | undefined;
  return (i: number) => {
    const m = prepared.compose(
      {
        subscriberId: `s${i}`,
        email: `reader${i}@example.com`,
        name: `Reader ${i}`,
        format: 'html',
        unsubscribeUrl: `https://digest.example/u/${i}.sig`,
        preferencesUrl: `https://digest.example/p/${i}.sig`,
        timezone: TIMEZONES[i % TIMEZONES.length],
      },
      { dotStuffed: true, scratch, date: new Date() },
    );
    scratch = messageMemory(m.raw as Buffer);
    return m.raw.length;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function round(fn: (i: number) => number): number {
  const times: number[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(times);
}

const before = await composerOf(beforeDir);
const after = await composerOf(afterDir);
// Warm-up: the JIT, and each zone's dates once.
for (let i = 0; i < 3000; i++) {
  before(i);
  after(i);
}
const b: number[] = [];
const a: number[] = [];
for (let r = 0; r < rounds; r++) {
  b.push(round(before));
  a.push(round(after));
}
const mb = median(b);
const ma = median(a);
console.log(
  JSON.stringify({
    rounds,
    perRound: PER_ROUND,
    beforeUs: mb,
    afterUs: ma,
    ratio: Number((ma / mb).toFixed(3)),
    b,
    a,
  }),
);
