import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import type { Edition } from '../../src/domain/edition.ts';
import { loadEditionArticles } from '../../src/editions/edition-articles.ts';
import { buildApp } from '../../src/http/app.ts';
import { FIXTURE_EDITION, fixtureArticles } from '../fixtures/articles.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const decode = (html: string) => html.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)));

describe('GET /editions (web version and archive)', () => {
  let sink: SmtpSink;
  let container: Container;
  let app: FastifyInstance;
  const articles = fixtureArticles();
  // The frozen list leaves one article of the week out: the web version must show the frozen list.
  const frozen = articles.filter((a) => a.id !== 'space-fund');

  beforeAll(async () => {
    sink = await startSmtpSink();
    container = await createTestContainer({ smtpUrl: sink.url });
    app = await buildApp(container);
    for (const a of articles) await container.articles.upsert(a);
    const edition: Edition = {
      ...FIXTURE_EDITION,
      publicationId: container.publication.id,
      sendDate: '2026-11-23',
      status: 'sent',
      pausedReason: undefined,
      articleIds: frozen.map((a) => a.id),
      variantKeys: ['all'],
      recipientCount: 2,
      builtAt: '2026-11-23T05:00:00.000Z',
    };
    await container.editions.create(edition, []);
  });
  afterAll(async () => {
    await app.close();
    await cleanupPrefix(container.redis, container.prefix);
    await container.close();
    await sink.stop();
  });

  it('serves a built edition: every frozen article, nothing personal, hostile data inert', async () => {
    const res = await app.inject({ method: 'GET', url: '/editions/2026-W47' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const page = decode(res.body);
    for (const a of frozen) if (a.id !== 'hostile') expect(page).toContain(a.title);
    expect(page).not.toContain('Space start-ups raise');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toMatch(/<script|(href|src)="(?!https?:)|\{\{/i);
    expect(res.body).not.toMatch(
      /\/(u|p)\/|>Unsubscribe<|>Manage preferences<|recipient|@example\.(com|org)/,
    );
    expect(res.body).toContain('Orbit Weekly, 12 Launch Lane');
    expect(res.body).toContain('id="topic-launch"');
  });

  it('answers the same page again from its cache', async () => {
    const a = await app.inject({ method: 'GET', url: '/editions/2026-W47' });
    const b = await app.inject({ method: 'GET', url: '/editions/2026-W47' });
    expect(b.body).toBe(a.body);
  });

  it.each(['2026-W48', '2026-W53', 'nonsense', '..%2F..%2Fetc%2Fpasswd'])(
    '%s (not built, not a week, not an id) is the plain 404 page',
    async (id) => {
      const res = await app.inject({ method: 'GET', url: `/editions/${id}` });
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('Not found');
    },
  );

  it('lists built editions in the archive', async () => {
    const res = await app.inject({ method: 'GET', url: '/editions' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/editions/2026-W47"');
    expect(res.body).toContain('Week 47 · 16–22 November 2026');
    expect(res.body).toContain(`${frozen.length} stories`);
  });

  it('loadEditionArticles: the frozen list for a built edition, the window for one in progress', async () => {
    const built = await loadEditionArticles(container, '2026-W47');
    expect(built.frozen).toBe(true);
    expect(built.articles.map((a) => a.id)).toEqual(frozen.map((a) => a.id));
    expect(built.edition).toEqual(FIXTURE_EDITION);
    const open = await loadEditionArticles(container, '2026-W46');
    expect(open).toEqual({
      edition: {
        id: '2026-W46',
        windowStart: '2026-11-08T23:00:00.000Z',
        windowEnd: '2026-11-15T23:00:00.000Z',
      },
      articles: [],
      frozen: false,
      editorial: {},
    });
    await expect(loadEditionArticles(container, '2026-W99')).rejects.toThrow(/not an edition id|no week/);
  });
});
