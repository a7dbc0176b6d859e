/**
 * `GET /api/editions/W/lint` and the send gate through `/api/editions/W/send`: an operator footer
 * without the unsubscribe link is a lint error, the API send answers 409 with it, and `force` sends.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildDeps } from '../../src/app/step-deps.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { buildApp } from '../../src/http/app.ts';
import { BUNDLED_TEMPLATES_DIR } from '../../src/render/template-set.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';

const auth = { authorization: 'Bearer test-admin-token-0123456789' };

describe('/api/editions/W/lint and the API send gate', () => {
  let c: Container;
  let app: FastifyInstance;
  let edition: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-api-lint-'));
    cpSync(BUNDLED_TEMPLATES_DIR, dir, { recursive: true });
    const footer = join(dir, 'digest', 'partials', 'footer.mjml.hbs');
    writeFileSync(
      footer,
      readFileSync(footer, 'utf8').replace(
        / &middot; <a href="\{\{href links\.unsubscribe\}\}"[^>]*>[^<]*<\/a>/,
        '',
      ),
    );
    // Nothing is mailed here (no worker runs): the relay address is never dialled.
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:9', env: { TEMPLATES_DIR: dir } });
    edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition);
    await seedSubscribers(c, 2);
    await buildEdition(buildDeps(c), edition, new Date());
    app = await buildApp(c);
  });
  afterAll(async () => {
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
  });

  it('reports the lint, refuses the send with 409, sends when forced', async () => {
    const lint = await app.inject({ method: 'GET', url: `/api/editions/${edition}/lint`, headers: auth });
    expect(lint.statusCode).toBe(200);
    const report = lint.json();
    expect(report).toMatchObject({ ok: false, errors: 2 });
    expect(report.linksChecked).toBeUndefined();
    expect(report.findings.every((f: { code: string }) => f.code === 'unsubscribe')).toBe(true);

    expect(
      (await app.inject({ method: 'GET', url: `/api/editions/2026-W01/lint`, headers: auth })).statusCode,
    ).toBe(404);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: `/api/editions/${edition}/lint?check_links=maybe`,
          headers: auth,
        })
      ).statusCode,
    ).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/api/editions/${edition}/lint` })).statusCode).toBe(401);

    const refused = await app.inject({
      method: 'POST',
      url: `/api/editions/${edition}/send`,
      headers: auth,
      payload: { immediate: true },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatch(
      /was not sent: lint found 2 errors.*no unsubscribe link in the HTML part/,
    );
    expect((await c.editions.get(edition))?.status).toBe('draft');

    const forced = await app.inject({
      method: 'POST',
      url: `/api/editions/${edition}/send`,
      headers: auth,
      payload: { immediate: true, force: true },
    });
    expect(forced.statusCode).toBe(200);
    expect((await c.editions.get(edition))?.status).toBe('sending');
  });
});
