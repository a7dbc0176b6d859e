/**
 * Dates in each reader's time zone, through the real send path (build, dispatch, send worker, byte
 * template, STARTTLS sink): two readers of one variant, in Tokyo and in Los Angeles, get the same
 * compiled digest with their own dates: a story from late Sunday evening in Berlin is Monday's in
 * Tokyo and Sunday's in Los Angeles, while the edition's date line names the publication's (Berlin)
 * week, 16-22 November, for all of them.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { editionStatus, startSend } from '../../src/delivery/edition-control.ts';
import type { Article } from '../../src/domain/article.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles } from '../helpers/delivery-fixtures.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

const EDITION = '2026-W47';
const NOW = new Date('2026-11-24T09:00:00Z');
// Sunday 22 November, 21:00 in Berlin: 05:00 on Monday in Tokyo, 12:00 on Sunday in Los Angeles.
const LATE_SUNDAY = '2026-11-22T20:00:00.000Z';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

const READERS = {
  'tokyo@readers.example': {
    timezone: 'Asia/Tokyo',
    heading: 'Week 47 · 16–22 November 2026',
    lateStory: 'Mon 23 Nov',
  },
  'la@readers.example': {
    timezone: 'America/Los_Angeles',
    heading: 'Week 47 · 16–22 November 2026',
    lateStory: 'Sun 22 Nov',
  },
  'berlin@readers.example': {
    timezone: 'Europe/Berlin',
    heading: 'Week 47 · 16–22 November 2026',
    lateStory: 'Sun 22 Nov',
  },
} as const;

function lateArticle(): Article {
  const title = 'Late Sunday launch of a weather satellite';
  return {
    id: createHash('sha256').update('late-sunday').digest('hex').slice(0, 16),
    sourceId: 'api',
    guid: 'late-sunday',
    url: 'https://orbit-weekly.example/late-sunday',
    title,
    author: '',
    publishedAt: LATE_SUNDAY,
    firstSeenAt: LATE_SUNDAY,
    updatedAt: LATE_SUNDAY,
    summary: 'The launch slipped to the last evening of the week.',
    brief: [],
    imageUrl: undefined,
    imageAlt: undefined,
    topics: ['launch'],
    readingMinutes: 2,
    contentHash: createHash('sha256').update(title).digest('hex'),
  };
}

describe('dates in each reader time zone', () => {
  it('fills one shared variant with each reader’s own dates', async () => {
    const sink = await startSmtpSink();
    const c = await createTestContainer({ smtpUrl: sink.url });
    cleanups.push(
      () => sink.stop(),
      () => c.close(),
    );
    expect(c.publication.timezone).toBe('Europe/Berlin');
    await seedArticles(c, EDITION, 1);
    await c.articles.upsert(lateArticle());
    for (const [email, r] of Object.entries(READERS)) {
      await c.subscribers.create(
        { email, status: 'active', topics: [], timezone: r.timezone, hour: 8, locale: '' },
        'admin',
      );
    }
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());

    const started = await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    // One variant for all three: the zones do not multiply variants.
    expect([...started.edition.variantKeys]).toEqual(['all@en-GB']);

    await sink.waitFor(3, 60_000);
    for (;;) {
      const r = await editionStatus(controlDeps(c), EDITION, new Date());
      if (r.status !== 'sending') break;
      await new Promise((res) => setTimeout(res, 100));
    }

    for (const [email, want] of Object.entries(READERS)) {
      const mail = sink.messages.find((m) => m.envelopeTo[0] === email);
      expect(mail, email).toBeDefined();
      const text = mail!.parsed.text ?? '';
      const html = String(mail!.parsed.html);
      expect(text, email).toContain(want.heading);
      expect(text, email).toMatch(new RegExp(`orbit-weekly\\.example · ${want.lateStory} · 2 min read`));
      // The HTML part (7bit, numeric character references) shows the same dates.
      const shown = html.replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)));
      expect(shown, email).toContain(want.heading);
      expect(shown, email).toContain(`${want.lateStory} &middot; 2 min read`);
      // The subject is a header, the same for every reader.
      expect(mail!.parsed.subject, email).toMatch(/^Orbit Weekly · Week 47: /);
    }
    const tokyo = sink.messages.find((m) => m.envelopeTo[0] === 'tokyo@readers.example')!;
    const la = sink.messages.find((m) => m.envelopeTo[0] === 'la@readers.example')!;
    expect(tokyo.parsed.text).not.toBe(la.parsed.text?.replace('la@readers', 'tokyo@readers'));
  });
});
