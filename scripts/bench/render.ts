/**
 * Rendering benchmark (not a test): the per-recipient personalise of an ~80 KB digest against one
 * mjml2html call for the same digest, i.e. what "compile once per variant" saves per recipient.
 *
 *   node bin/tsx-run.js scripts/bench/render.ts [--iterations 20000] [--no-write]
 *
 * Prints the figures and rewrites the "Rendering" section of BENCHMARKS.md (between its markers;
 * the rest of the file is left alone).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { messageHelpers } from '../../src/i18n/template-messages.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { compileMjml } from '../../src/render/compile-mjml.ts';
import { buildDigestModel, digestTranslator } from '../../src/render/digest-model.ts';
import { compilePersonaliser } from '../../src/render/personalise.ts';
import { oneLine } from '../../src/render/render-digest.ts';
import { loadDigestTemplates } from '../../src/render/template-set.ts';
import { FIXTURE_EDITION, friendlyArticles } from '../../tests/fixtures/articles.ts';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '20000' },
    'no-write': { type: 'boolean', default: false },
  },
});
const iterations = Number(values.iterations);
const loadAtStart = loadavg()[0]!;

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const input = {
  publication: { ...publication, maxPerSection: 5 },
  edition: FIXTURE_EDITION,
  articles: friendlyArticles(),
  topics: [],
  locale: 'en-GB',
  webUrl: 'https://digest.example.com/editions/2026-W47',
};

const variant = (await buildVariant(input))!;
const personalise = compilePersonaliser(variant);

// The MJML that buildVariant compiled, to time mjml2html alone on the very same digest.
const templates = loadDigestTemplates();
const model = buildDigestModel(input, 'email')!;
// The reader's language reaches the templates as the `t` helper, as in render-digest.ts.
const messages = digestTranslator(input);
const plain = { helpers: messageHelpers(templates.htmlEnv, messages, 'text') };
model.subject = oneLine(templates.subject(model, plain));
model.preheader = oneLine(templates.preheader(model, plain));
const mjml = templates.layout(model, { helpers: messageHelpers(templates.htmlEnv, messages, 'html') });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;

function timePersonalise(n: number): number[] {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const recipient = {
      name: `Reader ${i}`,
      email: `reader${i}@example.com`,
      unsubscribeUrl: `https://digest.example.com/u/AAECAwQFBgcICQ.${i.toString(36)}xyzxyzxyzxyzxyzxyzxyz`,
      preferencesUrl: `https://digest.example.com/p/AAECAwQFBgcICQ.${i.toString(36)}xyzxyzxyzxyzxyzxyzxyz`,
    };
    const t0 = process.hrtime.bigint();
    const out = personalise(recipient);
    // Materialised: the bytes that go on the wire, not a lazy rope of string pieces.
    const html = Buffer.from(out.html, 'latin1');
    const text = Buffer.from(out.text, 'utf8');
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
    bytes = html.length + text.length;
  }
  if (bytes === 0) throw new Error('nothing rendered');
  return times;
}

async function timeMjml(n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await compileMjml(mjml);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return times;
}

timePersonalise(Math.min(2000, iterations)); // warm-up: JIT, Handlebars' lazy compile
const personaliseTimes = timePersonalise(iterations);
await timeMjml(5);
const mjmlTimes = await timeMjml(60);

const sample = personalise({
  name: 'Ada',
  email: 'ada@example.com',
  unsubscribeUrl: 'https://digest.example.com/u/x',
  preferencesUrl: 'https://digest.example.com/p/x',
});
const htmlKb = Buffer.byteLength(sample.html) / 1024;
const textKb = Buffer.byteLength(sample.text) / 1024;
const pMedian = median(personaliseTimes);
const mMedian = median(mjmlTimes);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);

const section = [
  '## Rendering',
  '',
  '<!-- bench:render:start (written by `node bin/tsx-run.js scripts/bench/render.ts`; do not edit by hand) -->',
  `Measured ${date} on ${machine}; load average ${loadAtStart.toFixed(1)} at the start (other work on the machine slows mjml2html most).`,
  '',
  `Digest: edition 2026-W47 fixture, ${variant.articleCount} articles, HTML ${htmlKb.toFixed(1)} KB + text ${textKb.toFixed(1)} KB.`,
  '',
  '| step | runs | median | p99 |',
  '| --- | ---: | ---: | ---: |',
  `| per-recipient personalise (HTML + text, as Buffers) | ${iterations} | ${pMedian.toFixed(1)} µs | ${p99(personaliseTimes).toFixed(1)} µs |`,
  `| mjml2html of the same digest (once per variant) | ${mjmlTimes.length} | ${(mMedian / 1000).toFixed(1)} ms | ${(p99(mjmlTimes) / 1000).toFixed(1)} ms |`,
  '',
  `Ratio: one mjml2html costs as much as ${Math.round(mMedian / pMedian).toLocaleString('en')} personalised messages. Target: personalise under 100 µs median.`,
  '<!-- bench:render:end -->',
  '',
].join('\n');

process.stdout.write(`${section}\n`);
if (!values['no-write']) writeSection(join(import.meta.dirname, '../../BENCHMARKS.md'), section);

function writeSection(file: string, text: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const pattern = /## Rendering\n\n<!-- bench:render:start[\s\S]*?<!-- bench:render:end -->\n/;
  const next = pattern.test(current) ? current.replace(pattern, text) : `${current.trimEnd()}\n\n${text}`;
  writeFileSync(file, next);
}
