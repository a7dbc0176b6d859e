/**
 * Spam filters see nothing to object to: SpamAssassin's local rules (`spamassassin -L -t`, Debian's
 * package, installed by scripts/ensure-system-deps.js) on the real composed messages, every variant of
 * the sample week and of a busy one. Allowed: the informational rules a test message always gets
 * (NO_RECEIVED, NO_RELAYS: it never went through a relay), HTML_MESSAGE (any HTML email, 0.001) and
 * HTML_IMAGE_RATIO_02..08 (0.001: a short variant, three stories and 1,300 characters, whose lead
 * photo outweighs its words; only the lead story has a large image, so a full week never gets it).
 * The total is 0.0. Before: 0.7 (HTML_FONT_LOW_CONTRAST from MJML's white preheader, 0.713).
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareVariant } from '../../src/delivery/prepared-edition.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { FIXTURE_EDITION, friendlyArticles } from '../fixtures/articles.ts';
import { busyWeek } from '../fixtures/busy-week.ts';

const run = promisify(execFile);
const ALLOWED = /^(NO_RECEIVED|NO_RELAYS|HTML_MESSAGE|HTML_IMAGE_RATIO_0[2468])$/;
const publication = loadPublication(SAMPLE_PUBLICATION_FILE);

const installed = () => spawnSync('sh', ['-c', 'command -v spamassassin'], { stdio: 'ignore' }).status === 0;
let available = installed();
beforeAll(() => {
  if (available) return;
  // Skipped only when it cannot be installed (not root, no apt-get): the script says how.
  const script = join(import.meta.dirname, '../../scripts/ensure-system-deps.js');
  spawnSync(process.execPath, [script, 'spamassassin'], { stdio: 'inherit' });
  available = installed();
}, 300_000);

async function composed(articles: ReturnType<typeof friendlyArticles>, topics: string[]): Promise<string> {
  const variant = (await buildVariant({
    publication,
    edition: FIXTURE_EDITION,
    articles,
    topics,
    locale: 'en-GB',
    webUrl: 'https://orbit-weekly.example/editions/2026-W47',
  }))!;
  const prepared = prepareVariant(FIXTURE_EDITION.id, publication, variant);
  const message = prepared.compose(
    {
      subscriberId: 'sub-1',
      email: 'ada@readers.example',
      name: 'Ada Lovelace',
      format: 'html',
      unsubscribeUrl: 'https://orbit-weekly.example/u/AAAA.BBBB',
      preferencesUrl: 'https://orbit-weekly.example/p/AAAA.CCCC',
    },
    { dotStuffed: false, date: new Date() },
  );
  return message.raw.toString('latin1');
}

async function spamReport(raw: string): Promise<{ score: number; rules: string[] }> {
  const child = run('spamassassin', ['-L', '-t'], { maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin!.end(raw);
  const { stdout } = await child;
  const details = stdout.slice(stdout.indexOf('Content analysis details'));
  const score = Number(/\((-?[\d.]+) points/.exec(details)?.[1]);
  const rules = [...details.matchAll(/^\s*-?[\d.]+\s+([A-Z0-9_]+)\s/gm)].map((m) => m[1]!);
  return { score, rules };
}

describe('spam score', () => {
  it('every variant of the sample week and of a 64-article week scores 0 with only informational rules', async (ctx) => {
    if (!available) ctx.skip();
    const cases: Array<[string, Promise<string>]> = [];
    for (const topics of [[], ['lunar'], ['launch'], ['policy'], ['markets'], ['lunar', 'launch']]) {
      cases.push([`sample ${topics.join('+') || 'all'}`, composed(friendlyArticles(), topics)]);
    }
    cases.push(
      ['busy all', composed(busyWeek(64), [])],
      ['busy markets', composed(busyWeek(64), ['markets'])],
    );
    const busy = new Set(['busy all', 'busy markets']);
    // Two at a time: each run loads the whole rule set (a second or two of CPU).
    const reports: Array<[string, { score: number; rules: string[] }]> = [];
    for (let i = 0; i < cases.length; i += 2) {
      const pair = cases.slice(i, i + 2);
      const done = await Promise.all(pair.map(async ([, raw]) => spamReport(await raw)));
      for (const [j, r] of done.entries()) reports.push([pair[j]![0], r]);
    }
    for (const [name, { score, rules }] of reports) {
      expect(
        rules.filter((r) => !ALLOWED.test(r)),
        name,
      ).toEqual([]);
      expect(score, name).toBeLessThanOrEqual(0.01);
      // A full week has words enough for its lead photo.
      if (busy.has(name))
        expect(
          rules.filter((r) => r.startsWith('HTML_IMAGE_RATIO')),
          name,
        ).toEqual([]);
    }
  }, 180_000);
});
