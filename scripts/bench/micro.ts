/**
 * The per-step figures: per-recipient render (personalise) and MIME assembly in µs, signed links,
 * collect throughput (decode → parse → normalise of the real feeds, articles/s) and subscriber
 * import throughput (CSV rows/s into Redis through the real store).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { editionWindow } from '../../src/core/edition-window.ts';
import { prepareVariant } from '../../src/delivery/prepared-edition.ts';
import { decodeFeed } from '../../src/feeds/decode-feed.ts';
import { normaliseEntry } from '../../src/feeds/normalise-entry.ts';
import { parseFeedText } from '../../src/feeds/parse-feed.ts';
import { subscriberLinks } from '../../src/links/subscriber-links.ts';
import { composeMessage } from '../../src/mail/compose-message.ts';
import { messageMemory } from '../../src/mail/message-template.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { importSubscribersCsv } from '../../src/subscribers/csv-import.ts';
import { benchAddress, benchArticles, benchName, TIMEZONES, TOPIC_SETS } from './bench-digest.ts';
import { startBenchWorld } from './bench-world.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface MicroFigures {
  /** Handlebars fill of the compiled variant (the web preview's path; the send step no longer uses it). */
  personaliseUs: number;
  linksUs: number;
  /** The send step's render + MIME assembly: the variant's byte template filled into one Buffer. */
  mimeUs: number;
  /** The same message through the string path (Handlebars + composeMessage), for comparison. */
  stringPathUs: number;
  messageKb: number;
  collect: { feeds: number; articles: number; articlesPerSecond: number };
  /** Undefined when the import could not run (the reason is logged). */
  import: { rows: number; rowsPerSecond: number } | undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeEach(n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i); // warm-up (JIT, Handlebars' lazy compile)
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(times);
}

export async function measureMicro(editionId: string, options: { quick: boolean }): Promise<MicroFigures> {
  const n = options.quick ? 5000 : 20000;
  const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
  const window = editionWindow(editionId, publication.timezone, publication.weekStartsOn);
  const compiled = (await buildVariant({
    publication,
    edition: { id: editionId, windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() },
    articles: benchArticles(editionId, publication),
    topics: ['lunar', 'launch'],
    locale: 'en-GB',
    webUrl: `https://digest.example/editions/${editionId}`,
  }))!;
  const variant = prepareVariant(editionId, publication, compiled);
  const keys = [{ id: 'k1', secret: 'bench-link-secret-0123456789' }];
  const nowSec = Math.floor(Date.now() / 1000);
  const links = (i: number) => subscriberLinks('https://digest.example', `s${i}`, keys, nowSec);
  const recipient = (i: number) => {
    const l = links(i);
    return {
      name: benchName(i),
      email: benchAddress(i),
      unsubscribeUrl: l.unsubscribe,
      preferencesUrl: l.preferences,
    };
  };
  const r0 = recipient(0);
  // The send step's own per-recipient work: the variant's byte template filled into one Buffer, in
  // the memory of the lane's previous message as the send step does.
  let scratch: Buffer | undefined;
  const compose = (i: number) => {
    const m = variant.compose(
      {
        subscriberId: `s${i}`,
        email: r0.email,
        name: benchName(i),
        format: 'html',
        unsubscribeUrl: r0.unsubscribeUrl,
        preferencesUrl: r0.preferencesUrl,
        // Readers in several zones, as in the send runs: each gets the dates of their own zone.
        timezone: TIMEZONES[i % TIMEZONES.length],
      },
      { dotStuffed: true, scratch, date: new Date() },
    );
    scratch = messageMemory(m.raw as Buffer);
    return m;
  };
  // The string path it replaced: Handlebars + composeMessage, then the UTF-8 Buffer the hand-off took.
  const stringPath = (i: number) => {
    const r = { ...r0, name: benchName(i) };
    const m = composeMessage(
      variant.frame,
      {
        subscriberId: `s${i}`,
        email: r.email,
        name: r.name,
        format: 'html',
        unsubscribeUrl: r.unsubscribeUrl,
      },
      variant.personalise(r),
      new Date(),
    );
    return Buffer.from(m.raw);
  };

  return {
    personaliseUs: timeEach(n, (i) => variant.personalise({ ...r0, name: benchName(i) })),
    linksUs: timeEach(n, links),
    mimeUs: timeEach(n, compose),
    stringPathUs: timeEach(n, stringPath),
    messageKb: compose(0).raw.length / 1024,
    collect: measureCollect(publication, options.quick ? 1500 : 4000),
    import: await measureImport(options.quick ? 5000 : 20000).catch((err: Error) => {
      process.stderr.write(`import benchmark failed: ${err.message}\n`);
      return undefined;
    }),
  };
}

/** Decode → parse → normalise every real feed, round after round for about `ms`. */
function measureCollect(publication: ReturnType<typeof loadPublication>, ms: number) {
  const dirs = [join(ROOT, '../shared/fixtures/real-feeds'), join(ROOT, 'samples/space-tech')];
  const files = dirs
    .filter(existsSync)
    .flatMap((d) => readdirSync(d).map((f) => join(d, f)))
    .filter((f) => /\.(rss|atom|xml|json)$/.test(f));
  const bodies = files.map((f) => readFileSync(f));
  const now = new Date();
  const round = () => {
    let articles = 0;
    for (const body of bodies) {
      try {
        const feed = parseFeedText(decodeFeed(body, undefined).text);
        for (const e of feed.entries) {
          const r = normaliseEntry(e, { sourceId: 'bench', baseUrl: feed.link, publication, now });
          if (r.ok) articles++;
        }
      } catch {
        // Broken feeds are part of the real set: collect reports and skips them, so do we.
      }
    }
    return articles;
  };
  round();
  const t0 = performance.now();
  let articles = 0;
  let rounds = 0;
  while (performance.now() - t0 < ms) {
    articles += round();
    rounds++;
  }
  const s = (performance.now() - t0) / 1000;
  return { feeds: bodies.length, articles: articles / rounds, articlesPerSecond: articles / s };
}

/** A CSV of `rows` subscribers imported into a fresh Redis through `importSubscribersCsv`. */
async function measureImport(rows: number) {
  const world = await startBenchWorld();
  try {
    const lines = ['email,name,topics,timezone,hour,status'];
    for (let i = 0; i < rows; i++) {
      lines.push(
        `${benchAddress(i)},${benchName(i)},${TOPIC_SETS[i % TOPIC_SETS.length]!.join(';')},${TIMEZONES[i % TIMEZONES.length]},${i % 24},active`,
      );
    }
    const csv = `${lines.join('\n')}\n`;
    const t0 = performance.now();
    const report = await importSubscribersCsv(
      Readable.from([csv]),
      { store: world.c.subscribers, publication: world.c.publication },
      { confirmed: true, now: new Date() },
    );
    const s = (performance.now() - t0) / 1000;
    if (report.imported !== rows) throw new Error(`import took ${report.imported} of ${rows} rows`);
    return { rows, rowsPerSecond: rows / s };
  } finally {
    await world.close();
  }
}
