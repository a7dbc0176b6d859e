/**
 * The edition lifecycle with a draft, on a real Redis and a real SMTP server: build → fix a typo at
 * the source → build again → test send → send; a rebuild racing a send; the web archive following
 * the send (drafts 404, embargo until the first due time, cancelled-with-readers stays, reopen).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { startWorkers } from '../../src/app/start-workers.ts';
import { buildDeps, controlDeps, testSendDeps } from '../../src/app/step-deps.ts';
import { editionWindow } from '../../src/core/edition-window.ts';
import {
  cancelEdition,
  editionStatus,
  rebuildEdition,
  startSend,
} from '../../src/delivery/edition-control.ts';
import { testSend } from '../../src/delivery/test-send.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { UserError } from '../../src/errors/user-error.ts';
import { parseFeedText } from '../../src/feeds/parse-feed.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const EDITION = '2026-W47';
const NOW = new Date('2026-11-24T09:00:00Z');
const ALL_TOPICS = ['lunar', 'launch', 'policy', 'markets'];
const TYPO = 'Artemis III crew nmaed for the lunar landing';
const FIXED = 'Artemis III crew named for the lunar landing';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

async function setup(): Promise<{ sink: SmtpSink; c: Container; app: FastifyInstance }> {
  const sink = await startSmtpSink();
  const c = await createTestContainer({ smtpUrl: sink.url, env: { SEND_BATCH_SIZE: '5' } });
  const app = await buildApp(c);
  cleanups.push(
    () => sink.stop(),
    () => c.close(),
    () => app.close(),
  );
  return { sink, c, app };
}

/** Articles through the admin API, as an operator (or a script) pushes them. */
async function pushArticles(app: FastifyInstance, c: Container, edition: string, headline: string) {
  const { start } = editionWindow(edition, c.publication.timezone, c.publication.weekStartsOn);
  const at = (h: number) => new Date(start.getTime() + h * 3_600_000).toISOString();
  const res = await app.inject({
    method: 'POST',
    url: '/api/articles',
    headers: { authorization: `Bearer ${c.adminToken}` },
    payload: [
      {
        guid: `${edition}-artemis`,
        title: headline,
        url: `https://orbit-weekly.example/${edition}/artemis`,
        publishedAt: at(30),
        text: `NASA named the four astronauts of the first landing. The crew trains in Houston (${edition}).`,
        topics: ALL_TOPICS,
      },
      {
        guid: `${edition}-ariane`,
        title: 'Ariane 6 flies its fifth mission',
        url: `https://orbit-weekly.example/${edition}/ariane`,
        publishedAt: at(20),
        text: `Europe launched again. The payload reached orbit (${edition}).`,
        topics: ['launch'],
      },
      {
        guid: `${edition}-budget`,
        title: 'ESA ministers agree a budget',
        url: `https://orbit-weekly.example/${edition}/budget`,
        publishedAt: at(10),
        text: `The member states agreed. The money goes to launchers (${edition}).`,
        topics: ['policy', 'markets'],
      },
    ],
  });
  expect(res.statusCode).toBeLessThan(300);
}

async function waitDone(c: Container, id = EDITION) {
  for (let i = 0; i < 600; i++) {
    const r = await editionStatus(controlDeps(c), id, new Date());
    if (r.status !== 'sending') return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('still sending');
}

const textOf = (m: SmtpSink['messages'][number]) => m.parsed.text ?? '';
const htmlOf = (m: SmtpSink['messages'][number]) =>
  String(m.parsed.html || '').replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)));

describe('edition lifecycle', () => {
  it('draft → typo fixed at the source → build again → test send → send: every reader gets the fix in both parts; the ledger is the last generation only', async () => {
    const { sink, c, app } = await setup();
    await pushArticles(app, c, EDITION, TYPO);
    const subs = await seedSubscribers(c, 8);
    // The reader compared with the test send below reads in the publication's zone, as a test send
    // does: a reader elsewhere gets the same digest with their own dates.
    await c.subscribers.update(subs[3]!.id, { timezone: c.publication.timezone }, 'admin', 'preferences');

    const first = await rebuildEdition(controlDeps(c), EDITION, NOW);
    expect(first.edition).toMatchObject({ status: 'draft', generation: 1, recipientCount: 8 });
    // A test send of the draft shows what readers would get now: the typo, in both parts.
    await testSend(testSendDeps(c), EDITION, { to: 'editor@desk.example', topics: [], now: NOW });
    await sink.waitFor(1);
    expect(textOf(sink.messages[0]!)).toContain(TYPO);
    expect(htmlOf(sink.messages[0]!)).toContain(TYPO);

    // The source fixes the headline (same guid: an update in place); the week changes meanwhile.
    await pushArticles(app, c, EDITION, FIXED);
    expect((await c.articles.listInWindow(...windowOf(c))).map((a) => a.title)).toContain(FIXED);
    const late = await seedSubscribers(c, 2, () => 'active', 'late.example');
    await c.subscribers.unsubscribe(subs[0]!.id, 'admin');

    const second = await rebuildEdition(controlDeps(c), EDITION, NOW);
    expect(second.edition).toMatchObject({ status: 'draft', generation: 2 });
    const active = 8 + late.length - 1;
    expect(second.edition.recipientCount).toBe(active);

    await testSend(testSendDeps(c), EDITION, { to: 'editor@desk.example', topics: [], now: NOW });
    await sink.waitFor(2);
    const test = sink.messages[1]!;
    expect(textOf(test)).toContain(FIXED);
    expect(htmlOf(test)).toContain(FIXED);
    expect(textOf(test) + htmlOf(test)).not.toContain(TYPO);

    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());
    const done = await waitDone(c);
    const readers = sink.messages.slice(2);
    expect(readers).toHaveLength(active);
    for (const m of readers) {
      expect(textOf(m)).toContain(FIXED);
      expect(htmlOf(m)).toContain(FIXED);
      expect(textOf(m) + htmlOf(m)).not.toContain(TYPO);
    }
    // The test send of the `all` variant and an `all` reader's message are the same but for the
    // per-recipient slots: the same text with the reader's name, address, links and dates (in the
    // reader's own time zone, the test send's in the publication's) in it.
    const allReader = readers.find((m) => m.envelopeTo[0] === subs[3]!.email)!;
    const norm = (s: string) =>
      s
        .replace(/https:\/\/digest\.test\/(u|p)\/\S+/g, 'LINK')
        .replace(/\S+@\S+\.example/g, 'ADDR')
        .replace(/Reader \d+|Test reader/g, 'NAME')
        .replace(/\b\d{1,2}–\d{1,2} [A-Z][a-z]+ \d{4}\b/g, 'DAYS')
        .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}\b/g, 'DAY');
    expect(norm(textOf(allReader))).toBe(norm(textOf(test)));
    // Ledger and counts: the second generation's recipients only.
    expect(done).toMatchObject({ status: 'sent', generation: 2, sent: active, eligible: active, pending: 0 });
    let cursor = '0';
    const ids: string[] = [];
    do {
      const page = await c.ledger.scan(EDITION, cursor, 100);
      cursor = page.cursor;
      ids.push(...page.entries.map(([id]) => id));
    } while (cursor !== '0');
    expect(ids).toHaveLength(active);
    for (const l of late) expect(ids).toContain(l.id);
    // Once sending started there is no new generation.
    await expect(rebuildEdition(controlDeps(c), EDITION, NOW)).rejects.toThrow(
      /has started sending \(sent\); only a draft can be built again/,
    );
  });

  it('a rebuild that loses the race against a send changes nothing: the commit refuses it in the same script', async () => {
    const { c, app } = await setup();
    await pushArticles(app, c, EDITION, TYPO);
    const subs = await seedSubscribers(c, 4);
    await rebuildEdition(controlDeps(c), EDITION, NOW);
    await pushArticles(app, c, EDITION, FIXED);
    // The send starts, and a delivery is claimed, while the rebuild is between its compile and its commit.
    const deps = buildDeps(c);
    const racing = {
      ...deps,
      editions: {
        ...deps.editions,
        stage: async (...args: Parameters<typeof deps.editions.stage>) => {
          await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
          expect(await c.ledger.claim(EDITION, subs[0]!.id, { jobId: 'race', run: '1' }, NOW)).toBe(
            'claimed',
          );
          return deps.editions.stage(...args);
        },
      },
    };
    const rebuild = buildEdition(racing, EDITION, NOW, 'rebuild');
    await expect(rebuild).rejects.toBeInstanceOf(UserError);
    await expect(rebuild).rejects.toThrow(
      /changed to sending while it was being built; the new build was dropped/,
    );
    const edition = (await c.editions.get(EDITION))!;
    expect(edition).toMatchObject({ status: 'sending', generation: 1 });
    expect(await c.ledger.stateOf(EDITION, subs[0]!.id)).toBe('sending@race#1');
    expect((await c.editions.articles(EDITION))!.map((a) => a.title)).toContain(TYPO);
  });

  it('a draft claims nobody: a send job left over sends nothing while the edition is a draft', async () => {
    const { c, app } = await setup();
    await pushArticles(app, c, EDITION, TYPO);
    const subs = await seedSubscribers(c, 2);
    await rebuildEdition(controlDeps(c), EDITION, NOW);
    expect(await c.ledger.claim(EDITION, subs[0]!.id, { jobId: 'old', run: '1' }, NOW)).toBe('paused');
    expect(await c.ledger.stateOf(EDITION, subs[0]!.id)).toBe('pending');
  });

  it('the web archive follows the send: a draft is 404 and unlisted, a send publishes it from its first due time, a cancel after 8 deliveries keeps it, a cancel before any can be reopened', async () => {
    const { c, app } = await setup();
    const get = (url: string) => app.inject({ method: 'GET', url });
    const feedIds = async () => {
      const res = await get('/editions/feed.xml');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/atom\+xml/);
      const feed = parseFeedText(res.body);
      expect(feed.title).toBe(c.publication.name);
      return feed.entries.map((e) => e.link);
    };
    await pushArticles(app, c, EDITION, FIXED);
    const subs = await seedSubscribers(c, 12);

    await rebuildEdition(controlDeps(c), EDITION, NOW);
    expect((await get(`/editions/${EDITION}`)).statusCode).toBe(404);
    expect((await get('/editions')).body).not.toContain(`/editions/${EDITION}`);
    expect(await feedIds()).toEqual([]);

    // Dispatched, nobody due yet at NOW? W47's send date is past at NOW, so it is public at once.
    await startSend(controlDeps(c), EDITION, { immediate: false, force: false, now: NOW });
    expect((await c.editions.get(EDITION))!.publicFrom).toBe(NOW.toISOString());
    expect((await get(`/editions/${EDITION}`)).statusCode).toBe(200);
    expect((await get('/editions')).body).toContain(`href="/editions/${EDITION}"`);
    expect(await feedIds()).toEqual([`https://digest.test/editions/${EDITION}`]);

    // 8 delivered (the send step's own claim and record), then cancelled: the web version stays.
    for (const s of subs.slice(0, 8)) {
      const claim = { jobId: 'job-1', run: 'r1' };
      expect(await c.ledger.claim(EDITION, s.id, claim, NOW)).toBe('claimed');
      expect(await c.ledger.record(EDITION, s.id, claim, 'sent', undefined)).toBe('ok');
    }
    await cancelEdition(controlDeps(c), EDITION, NOW);
    expect((await editionStatus(controlDeps(c), EDITION, NOW)).sent).toBe(8);
    const page = await get(`/editions/${EDITION}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Artemis III crew named');
    expect((await get('/editions')).body).toContain(`href="/editions/${EDITION}"`);
    expect(await feedIds()).toEqual([`https://digest.test/editions/${EDITION}`]);
    await expect(rebuildEdition(controlDeps(c), EDITION, NOW, 'reopen')).rejects.toThrow(
      /reached readers before it was cancelled; it cannot be reopened/,
    );

    // An embargo holds: a send dispatched before its first due time is not public until then.
    const next = '2026-W48';
    await pushArticles(app, c, next, FIXED);
    const early = new Date('2026-11-29T12:00:00Z');
    await startSend(controlDeps(c), next, { immediate: false, force: true, now: early });
    const sending = (await c.editions.get(next))!;
    expect(sending.status).toBe('sending');
    expect(Date.parse(sending.publicFrom!)).toBeGreaterThan(early.getTime());
    // Cancelled before anybody got it: it never was public, and it can be a draft again.
    await cancelEdition(controlDeps(c), next, early);
    expect((await get(`/editions/${next}`)).statusCode).toBe(404);
    const reopened = await rebuildEdition(controlDeps(c), next, early, 'reopen');
    expect(reopened.edition).toMatchObject({ status: 'draft', generation: 2, publicFrom: undefined });
    expect((await editionStatus(controlDeps(c), next, early)).cancelled).toBe(0);
    expect((await get(`/editions/${next}`)).statusCode).toBe(404);
    expect(await feedIds()).toEqual([`https://digest.test/editions/${EDITION}`]);
  });

  it('reads editions stored by older code: status "built" is a draft and can be sent', async () => {
    const { sink, c, app } = await setup();
    await pushArticles(app, c, EDITION, FIXED);
    await seedSubscribers(c, 3);
    await rebuildEdition(controlDeps(c), EDITION, NOW);
    // As the previous release stored it: status `built`, no generation, no frozen articles.
    const key = `${c.prefix}:{ed:${EDITION}}:edition`;
    const data = JSON.parse((await c.redis.hget(key, 'data'))!);
    delete data.generation;
    delete data.edits;
    await c.redis.hset(key, 'status', 'built', 'data', JSON.stringify({ ...data, status: 'built' }));
    await c.redis.del(`${c.prefix}:{ed:${EDITION}}:articles`);
    expect(await c.editions.get(EDITION)).toMatchObject({ status: 'draft', generation: 1 });
    expect((await get(app, `/editions/${EDITION}`)).statusCode).toBe(404);
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());
    expect(await waitDone(c)).toMatchObject({ status: 'sent', sent: 3 });
    expect(sink.messages).toHaveLength(3);
  });
});

const get = (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url });

function windowOf(c: Container): [Date, Date] {
  const w = editionWindow(EDITION, c.publication.timezone, c.publication.weekStartsOn);
  return [w.start, w.end];
}
