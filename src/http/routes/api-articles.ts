/**
 * `/api/articles` for operators (ADMIN_TOKEN bearer):
 *   POST /api/articles              push articles (one, an array, or {articles: [...]}); all or nothing
 *   GET  /api/articles?edition=ID   the articles of an edition's window, newest first
 *   GET  /api/articles?limit=50     the newest articles
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Container } from '../../app/container.ts';
import { ArticleInputError, pushArticles } from '../../articles/article-input.ts';
import { editionWindow } from '../../core/edition-window.ts';
import { requireBearer } from '../admin-auth.ts';

const listQuery = z.object({
  edition: z
    .string()
    .regex(/^\d{4}-W\d{2}$/, 'an edition id such as 2026-W47')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function apiArticleRoutes(container: Container) {
  return async (app: FastifyInstance) => {
    app.register(async (api) => {
      api.addHook(
        'onRequest',
        requireBearer(() => container.adminToken),
      );

      api.post('/api/articles', async (req, reply) => {
        try {
          const result = await pushArticles(container.articles, container.publication, req.body, new Date());
          return reply.code(result.new > 0 ? 201 : 200).send(result);
        } catch (err) {
          if (err instanceof ArticleInputError) return reply.code(400).send({ error: err.message });
          throw err;
        }
      });

      api.get('/api/articles', async (req, reply) => {
        const query = listQuery.safeParse(req.query);
        if (!query.success) {
          const issue = query.error.issues[0]!;
          return reply.code(400).send({ error: `${issue.path.join('.')} must be ${issue.message}` });
        }
        const { edition, limit } = query.data;
        if (!edition) return { articles: await container.articles.listRecent(limit) };
        const { timezone, weekStartsOn } = container.publication;
        let window: { start: Date; end: Date };
        try {
          window = editionWindow(edition, timezone, weekStartsOn);
        } catch (err) {
          return reply.code(400).send({ error: `edition: ${(err as Error).message}` });
        }
        const articles = await container.articles.listInWindow(window.start, window.end);
        return { edition, start: window.start.toISOString(), end: window.end.toISOString(), articles };
      });
    });
  };
}
