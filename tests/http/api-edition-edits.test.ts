/**
 * The editor's controls through `/api/editions` (bearer token): edits, build, approve, reopen; and
 * one readable line for each kind of bad input.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import type { Article } from '../../src/domain/article.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const EDITION = '2026-W47';

describe('/api/editions editor controls', () => {
  let sink: SmtpSink;
  let c: Container;
  let app: FastifyInstance;
  let articles: Article[];
  let other: Article[];

  beforeAll(async () => {
    sink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url });
    app = await buildApp(c);
    articles = await seedArticles(c, EDITION, 1);
    other = await seedArticles(c, '2026-W46', 1);
    await seedSubscribers(c, 4);
  });
  afterAll(async () => {
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await sink.stop();
  });

  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${c.adminToken}` },
    });

  it('edits before and after a build; the next build applies them; the web version renders the note safely', async () => {
    const early = await api('POST', `/api/editions/${EDITION}/edits`, { subject: 'Moon week' });
    expect(early.statusCode).toBe(200);
    expect(early.json()).toMatchObject({ edits: { subject: 'Moon week' }, pending: true });

    const built = await api('POST', `/api/editions/${EDITION}/build`);
    expect(built.json().message).toMatch(/built as a draft \(generation 1\)/);
    expect((await c.editions.variants(EDITION)).every((v) => v.subject === 'Moon week')).toBe(true);

    const note =
      'A **big** week. <script>alert(1)</script> [live](https://orbit-weekly.example/live) [x](javascript:alert(1)) {{links.unsubscribe}}';
    const edited = await api('POST', `/api/editions/${EDITION}/edits`, {
      exclude: [articles[0]!.id],
      pin: articles[2]!.id,
      note,
    });
    expect(edited.json()).toMatchObject({
      edits: { excluded: [articles[0]!.id], pinned: articles[2]!.id, note },
      pending: true,
    });
    expect((await api('GET', `/api/editions/${EDITION}/edits`)).json().pending).toBe(true);
    expect((await api('POST', `/api/editions/${EDITION}/build`)).json().message).toMatch(/generation 2/);
    expect((await api('GET', `/api/editions/${EDITION}/edits`)).json().pending).toBe(false);
    const edition = (await c.editions.get(EDITION))!;
    expect(edition.articleIds).not.toContain(articles[0]!.id);
    const [all] = (await c.editions.variants(EDITION)).filter((v) => v.key === 'all@en-GB');
    // The note: markup from Markdown only; raw HTML shown as text; the javascript: link is no link.
    expect(all!.html).toContain('A <strong>big</strong> week.');
    expect(all!.html).not.toMatch(/<script|href="javascript/i);
    expect(all!.html).toContain('href="https://orbit-weekly.example/live"');
    // Braces from the note cannot make a placeholder: only the recipient's slots (and the date slots
    // filled in each reader's time zone) are Handlebars expressions.
    const expressions = [...all!.html.matchAll(/\{\{[^}]*\}\}/g)]
      .map((m) => m[0])
      .filter((e) => !/^\{\{dates\.\[\d+\]\}\}$/.test(e));
    expect(new Set(expressions)).toEqual(
      new Set(['{{links.unsubscribe}}', '{{links.preferences}}', '{{recipient.email}}']),
    );
    expect(all!.text).toContain(
      'A big week. <script>alert(1)</script> live\n(https://orbit-weekly.example/live)',
    );
    expect(all!.text).toContain('{\u200B{links.unsubscribe}}');
    // The pinned article leads the top stories.
    expect(all!.text.indexOf(articles[2]!.title)).toBeLessThan(
      Math.min(
        ...articles
          .slice(3)
          .map((a) => all!.text.indexOf(a.title))
          .filter((i) => i >= 0),
      ),
    );

    const state = await api('GET', `/api/editions/${EDITION}`);
    expect(state.json()).toMatchObject({ status: 'draft', generation: 2, awaitingApproval: false });
  });

  it('answers bad input with one line', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      [
        '/api/editions/2026-W47/edits',
        { bogus: 1 },
        400,
        'unknown field bogus; fields: exclude, include, pin, note, subject',
      ],
      ['/api/editions/2026-W47/edits', { pin: 12 }, 400, 'pin must be text'],
      [
        '/api/editions/2026-W47/edits',
        { note: 'n'.repeat(10_001) },
        400,
        'note must be at most 10000 characters long',
      ],
      ['/api/editions/2026-W47/test-send', { to: 5 }, 400, 'to must be text'],
      ['/api/editions/2026-W47/send', { topics: [1] }, 400, 'topics has a value that is not allowed'],
      ['/api/editions/nope/edits', {}, 400, 'an edition id such as 2026-W47'],
      [
        '/api/editions/2026-W47/edits',
        { exclude: ['x y'] },
        409,
        '--exclude "x y" is not an article id (see digest articles list --json)',
      ],
      [
        '/api/editions/2026-W47/edits',
        { pin: other[0]!.id },
        409,
        `--pin ${other[0]!.id}: no such article in edition 2026-W47's week`,
      ],
      [
        '/api/editions/2026-W47/edits',
        { note: 'n'.repeat(2001) },
        409,
        "--note is 2001 characters; an editor's note may have at most 2000",
      ],
      [
        '/api/editions/2026-W47/edits',
        { subject: 's'.repeat(201) },
        409,
        '--subject is 201 characters; at most 200',
      ],
      [
        '/api/editions/2026-W47/reopen',
        {},
        409,
        'edition 2026-W47 is draft; only a cancelled edition can be reopened',
      ],
      [
        '/api/editions/2026-W30/approve',
        {},
        409,
        'edition 2026-W30 does not exist (build it first: digest build 2026-W30)',
      ],
    ];
    for (const [url, body, status, error] of cases) {
      const res = await api('POST', url, body);
      expect({ url, status: res.statusCode, error: res.json().error }).toEqual({ url, status, error });
    }
  });
});
