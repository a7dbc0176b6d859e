/**
 * One edition to readers in three languages and two topic sets, over the real STARTTLS sink: the
 * build compiles 6 variants (topics × locale, never one per reader), and every reader gets their
 * own language: the subject, the heading's dates, the words and the html lang attribute.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { editionStatus, startSend } from '../../src/delivery/edition-control.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles } from '../helpers/delivery-fixtures.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

const EDITION = '2026-W47';
const NOW = new Date('2026-11-24T09:00:00Z');

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

/** What each language must show (the publication is en-GB; an empty locale means its language). */
const EXPECT = {
  '': {
    key: 'en-GB',
    lang: 'en-GB',
    subject: /^Orbit Weekly · Week 47: /,
    heading: 'Week 47 · 16–22 November 2026',
    words: ['Read more: https://', 'Manage preferences: https://'],
  },
  de: {
    key: 'de',
    lang: 'de',
    subject: /^Orbit Weekly · Woche 47: /,
    heading: 'Woche 47 · 16.–22. November 2026',
    words: ['Weiterlesen: https://', 'Einstellungen verwalten: https://', 'Sie erhalten diese E-Mail'],
  },
  fr: {
    key: 'fr',
    lang: 'fr',
    subject: /^Orbit Weekly · Semaine 47[\u00a0 ]: /,
    heading: 'Semaine 47 · 16–22 novembre 2026',
    words: [
      'Lire la suite\u00a0: https://',
      'Gérer mes préférences\u00a0: https://',
      'Vous recevez cet e-mail',
    ],
  },
} as const;
const TOPIC_SETS = [['lunar'], []] as const;

describe('a send in three languages', () => {
  it('compiles one variant per (topics, locale) and mails each reader in their language', async () => {
    const sink = await startSmtpSink();
    const c = await createTestContainer({ smtpUrl: sink.url, env: { SEND_BATCH_SIZE: '5' } });
    cleanups.push(
      () => sink.stop(),
      () => c.close(),
    );
    await seedArticles(c, EDITION);
    const readers: Array<{ email: string; locale: keyof typeof EXPECT; topics: readonly string[] }> = [];
    for (const locale of Object.keys(EXPECT) as Array<keyof typeof EXPECT>) {
      for (const [t, topics] of TOPIC_SETS.entries()) {
        for (const n of [1, 2]) {
          const email = `${locale || 'pub'}-${t}-${n}@readers.example`;
          await c.subscribers.create(
            { email, status: 'active', topics: [...topics], timezone: 'Europe/Berlin', hour: 8, locale },
            'admin',
          );
          readers.push({ email, locale, topics });
        }
      }
    }
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());

    const started = await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    expect(started.edition.recipientCount).toBe(12);
    expect([...started.edition.variantKeys].sort()).toEqual(
      ['all@de', 'all@en-GB', 'all@fr', 'lunar@de', 'lunar@en-GB', 'lunar@fr'].sort(),
    );
    expect(await c.editions.variants(EDITION)).toHaveLength(6);

    await sink.waitFor(12, 60_000);
    for (;;) {
      const r = await editionStatus(controlDeps(c), EDITION, new Date());
      if (r.status !== 'sending') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(sink.messages).toHaveLength(12);

    for (const reader of readers) {
      const mail = sink.messages.find((m) => m.envelopeTo[0] === reader.email);
      expect(mail, reader.email).toBeDefined();
      const want = EXPECT[reader.locale];
      const html = String(mail!.parsed.html);
      const text = mail!.parsed.text ?? '';
      expect(mail!.parsed.subject, reader.email).toMatch(want.subject);
      expect(html, reader.email).toMatch(new RegExp(`<html lang="${want.lang}" dir="ltr"`));
      expect(text, reader.email).toContain(want.heading);
      for (const word of want.words) expect(text, `${reader.email}: ${word}`).toContain(word);
      // Their own topics: a Lunar reader gets no Launch story, an "everything" reader does.
      expect(text.includes('Launch story'), reader.email).toBe(reader.topics.length === 0);
      // Each reader's own address and links were filled into the shared variant.
      expect(text).toContain(reader.email);
    }
  });
});
