/**
 * The public web version of editions: `GET /editions` (the archive) and `GET /editions/:id` (the
 * `all` variant without section caps, no personal data, no per-recipient links). Only built editions
 * are public; a week still being collected is not. A built edition is frozen, so its page is rendered
 * once (MJML is too slow to run per request) and kept in a small cache.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import Handlebars from 'handlebars';
import type { Container } from '../../app/container.ts';
import { isEditionId } from '../../core/edition-window.ts';
import { loadEditionArticles } from '../../editions/edition-articles.ts';
import type { EditionRecord } from '../../editions/edition-store.ts';
import { editionHeading } from '../../render/edition-heading.ts';
import { BUNDLED_TEMPLATES_DIR } from '../../render/template-set.ts';
import { renderWebVersion } from '../../render/web-version.ts';

const CACHE_SIZE = 16;
const ARCHIVE_LIMIT = 104;

export function editionRoutes(container: Container) {
  const { publication } = container;
  // The operator's page (TEMPLATES_DIR/pages/...) when there is one, else the bundled one.
  const page = (file: string) => {
    const own = container.config.templatesDir && join(container.config.templatesDir, 'pages', file);
    return readFileSync(own && existsSync(own) ? own : join(BUNDLED_TEMPLATES_DIR, 'pages', file), 'utf8');
  };
  const hb = Handlebars.create();
  hb.registerPartial('layout', page('layout.hbs'));
  const archive = hb.compile(page('archive.hbs'));
  const pages = new Map<string, string>();

  const isPublic = (e: EditionRecord | undefined): e is EditionRecord => !!e && e.status !== 'cancelled';

  return async (app: FastifyInstance) => {
    app.get('/editions', async (_req, reply) => {
      const editions = (await container.editions.list(ARCHIVE_LIMIT)).filter(isPublic);
      const html = archive({
        publication,
        lang: publication.locale,
        editions: editions.map((e) => ({
          href: `/editions/${e.id}`,
          heading: editionHeading(e, publication.timezone, publication.locale).heading,
          articleCount: e.articleIds.length,
          one: e.articleIds.length === 1,
        })),
      });
      return reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=300').send(html);
    });

    app.get<{ Params: { id: string } }>('/editions/:id', async (req, reply) => {
      const { id } = req.params;
      if (!isEditionId(id, publication.timezone, publication.weekStartsOn)) return reply.callNotFound();
      const stored = await container.editions.get(id);
      if (!isPublic(stored)) return reply.callNotFound();
      const cacheKey = `${id}@${stored.builtAt}`;
      let html = pages.get(cacheKey);
      if (!html) {
        const { edition, articles } = await loadEditionArticles(container, id);
        const web = await renderWebVersion({
          publication,
          edition,
          articles,
          locale: publication.locale,
          webUrl: `${container.publicUrl}/editions/${id}`,
          templatesDir: container.config.templatesDir,
        });
        if (!web) return reply.callNotFound();
        html = web.html;
        if (pages.size >= CACHE_SIZE) pages.delete(pages.keys().next().value!);
        pages.set(cacheKey, html);
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(html);
    });
  };
}
