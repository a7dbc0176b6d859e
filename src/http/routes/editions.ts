/**
 * The public web version of editions: `GET /editions` (the archive), `GET /editions/feed.xml` (its
 * Atom feed) and `GET /editions/:id` (the `all` variant without section caps, no personal data, no
 * per-recipient links). Only what has started sending is public, from its first delivery's due time
 * (web-visibility.ts); a draft is the plain 404 page. A generation is frozen, so its page is rendered
 * once (MJML is too slow to run per request) and kept in a small cache keyed by generation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import Handlebars from 'handlebars';
import type { Container } from '../../app/container.ts';
import { isEditionId } from '../../core/edition-window.ts';
import { archiveFeed } from '../../editions/archive-feed.ts';
import { loadEditionArticles } from '../../editions/edition-articles.ts';
import type { EditionRecord } from '../../editions/edition-store.ts';
import { isWebPublic } from '../../editions/web-visibility.ts';
import { messageHelpers } from '../../i18n/template-messages.ts';
import { createTranslator } from '../../i18n/translator.ts';
import { htmlLang } from '../../render/date-locale.ts';
import { editionHeading } from '../../render/edition-heading.ts';
import { postalLine } from '../../render/postal-line.ts';
import { BUNDLED_TEMPLATES_DIR } from '../../render/template-set.ts';
import { renderWebVersion } from '../../render/web-version.ts';

const CACHE_SIZE = 16;
const ARCHIVE_LIMIT = 104;

export function editionRoutes(container: Container, clock: () => Date = () => new Date()) {
  const { publication } = container;
  // The operator's page (TEMPLATES_DIR/pages/...) when there is one, else the bundled one.
  const page = (file: string) => {
    const own = container.config.templatesDir && join(container.config.templatesDir, 'pages', file);
    return readFileSync(own && existsSync(own) ? own : join(BUNDLED_TEMPLATES_DIR, 'pages', file), 'utf8');
  };
  const hb = Handlebars.create();
  hb.registerPartial('layout', page('layout.hbs'));
  const archive = hb.compile(page('archive.hbs'));
  // The archive is the publication's page: its language, not a reader's.
  const messages = createTranslator(publication.locale, { templatesDir: container.config.templatesDir });
  const helpers = messageHelpers(hb, messages, 'html');
  const pages = new Map<string, string>();

  const isPublic = async (e: EditionRecord | undefined): Promise<boolean> =>
    !!e &&
    isWebPublic(e, e.status === 'cancelled' ? await container.ledger.counts(e.id) : NO_COUNTS, clock());

  const publicEditions = async () => {
    const all = await container.editions.list(ARCHIVE_LIMIT);
    const shown = await Promise.all(all.map(isPublic));
    return all.filter((_, i) => shown[i]);
  };
  const headingOf = (e: EditionRecord) => editionHeading(e, publication.timezone, publication.locale).heading;

  return async (app: FastifyInstance) => {
    app.get('/editions', async (_req, reply) => {
      const editions = await publicEditions();
      const html = archive(
        {
          publication,
          postalLine: postalLine(publication.name, publication.postalAddress),
          subscribeUrl: '/subscribe',
          lang: htmlLang(publication.locale),
          dir: messages.dir,
          editions: editions.map((e) => ({
            href: `/editions/${e.id}`,
            heading: headingOf(e),
            articleCount: e.articleIds.length,
          })),
        },
        { helpers },
      );
      return reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=300').send(html);
    });

    app.get('/editions/feed.xml', async (_req, reply) => {
      const editions = await publicEditions();
      const xml = archiveFeed(
        publication,
        container.publicUrl,
        editions.map((e) => {
          const published = new Date(e.publicFrom ?? e.startedAt ?? e.builtAt);
          return {
            id: e.id,
            heading: headingOf(e),
            articles: e.articleIds.length,
            published,
            updated: published,
          };
        }),
      );
      return reply
        .type('application/atom+xml; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(xml);
    });

    app.get<{ Params: { id: string } }>('/editions/:id', async (req, reply) => {
      const { id } = req.params;
      if (!isEditionId(id, publication.timezone, publication.weekStartsOn)) return reply.callNotFound();
      const stored = await container.editions.get(id);
      if (!stored || !(await isPublic(stored))) return reply.callNotFound();
      const cacheKey = `${id}@${stored.generation ?? 1}@${stored.builtAt}`;
      let html = pages.get(cacheKey);
      if (!html) {
        const { edition, articles, editorial } = await loadEditionArticles(container, id);
        const web = await renderWebVersion({
          publication,
          edition,
          articles,
          locale: publication.locale,
          webUrl: `${container.publicUrl}/editions/${id}`,
          subscribeUrl: `${container.publicUrl}/subscribe`,
          templatesDir: container.config.templatesDir,
          editorial,
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

const NO_COUNTS = { sent: 0, uncertain: 0 };
