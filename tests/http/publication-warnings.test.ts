/**
 * The dashboard's home says what `digest publication show` warns about, through Fastify inject on
 * the real container: a schedule stored beside the publication file that differs from it,
 * subscribers left with no known topic, and a file source removed by hand.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildApp } from '../../src/http/app.ts';
import { storeSchedule } from '../../src/publication/stored-schedule.ts';
import { createTestContainer } from '../helpers/container.ts';
import { writePublicationFile } from '../helpers/publication-file.ts';
import { cleanupPrefix } from '../helpers/redis.ts';

const TOKEN = 'test-admin-token-0123456789';

describe("the dashboard's home", () => {
  let c: Container;
  let app: FastifyInstance;
  beforeAll(async () => {
    const file = writePublicationFile({
      topics: [
        { id: 'lunar', name: 'Lunar' },
        { id: 'launch', name: 'Launch' },
      ],
      categoryMap: {},
    });
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1?tls=off', env: { PUBLICATION_FILE: file } });
    app = await buildApp(c);
  });
  afterAll(async () => {
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
  });

  it('shows one warning line per conflict', async () => {
    const page = async (url: string) => {
      const form = await app.inject({ method: 'GET', url: '/admin/login' });
      const cookie = [form.headers['set-cookie'] ?? []]
        .flat()
        .map((h) => h.split(';')[0])
        .join('; ');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
      const login = await app.inject({
        method: 'POST',
        url: '/admin/login',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf, token: TOKEN }).toString(),
      });
      const session = [login.headers['set-cookie'] ?? []]
        .flat()
        .map((h) => h.split(';')[0])
        .join('; ');
      return app.inject({ method: 'GET', url, headers: { cookie: `${cookie}; ${session}` } });
    };
    const home = () => page('/admin');
    expect((await home()).body).not.toContain('data-warning');

    await c.subscribers.create(
      {
        email: 'policy@readers.example',
        status: 'active',
        topics: ['policy'],
        timezone: 'UTC',
        hour: 8,
        locale: 'en',
      },
      'import',
    );
    await storeSchedule(c.redis, c.prefix, {
      cron: '0 9 * * 3',
      timezone: 'Europe/Berlin',
      fileCron: '0 6 * * 1',
      at: '2026-11-30T10:00:00Z',
    });
    const shown = await home();
    expect(shown.statusCode).toBe(200);
    const warnings = [
      ...shown.body.matchAll(/<p class="flash error" role="status" data-warning>([^<]*)<\/p>/g),
    ].map((m) => m[1]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(
      'Warning: schedule: &quot;0 9 * * 3&quot; in Europe/Berlin stored by digest schedule set',
    );
    expect(warnings[1]).toContain('Warning: 1 subscriber(s) chose only topics the publication no longer has');

    // The sources page says which sources come from the file; removing one of them is a warning.
    const sources = await page('/admin/sources');
    expect(sources.body).toContain('From the publication file');
    const [fileSource] = await c.sources.list();
    expect(fileSource!.origin).toBe('file');
    await c.sources.remove(fileSource!.id);
    expect((await home()).body).toContain(
      `Warning: source ${fileSource!.url}: named by the publication file but removed`,
    );
  });
});
