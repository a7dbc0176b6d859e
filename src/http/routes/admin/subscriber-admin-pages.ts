/** Dashboard pages of subscribers: counts by status and topic, growth and churn, search, one subscriber's history. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminContext } from './admin-context.ts';
import { createSubscriberOverview } from './subscriber-overview.ts';
import { growthSvg } from './svg-charts.ts';

const searchQuery = z.object({ q: z.string().trim().max(254).optional() });
const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export function subscriberAdminPages(app: FastifyInstance, ctx: AdminContext): void {
  const { container: c } = ctx;
  const overview = createSubscriberOverview(c, ctx.clock);

  app.get('/admin/subscribers', async (req, reply) => {
    const q = searchQuery.safeParse(req.query ?? {});
    const query = q.success ? q.data.q : undefined;
    const [counts, over] = await Promise.all([c.subscribers.counts(), overview()]);
    const names = new Map(c.publication.topics.map((t) => [t.id, t.name]));
    return ctx.page(req, reply, 'subscribers', {
      section: 'subscribers',
      counts: Object.entries(counts).map(([status, n]) => ({ status, n })),
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      topics: over.topics.map((t) => ({ ...t, name: names.get(t.topic) ?? t.topic })),
      chart: growthSvg(over.weeks),
      weeks: over.weeks,
      computedAt: over.computedAt,
      query,
      results: query ? await c.subscribers.search(query, 50) : undefined,
    });
  });

  app.get('/admin/subscribers/:id', async (req, reply) => {
    const p = idParams.safeParse(req.params);
    const sub = p.success ? await c.subscribers.get(p.data.id) : undefined;
    if (!sub) return ctx.page(req, reply, 'error', { status: 404, message: 'No such subscriber.' }, 404);
    const history = (await c.subscribers.history(sub.id)).map((h) => ({
      ...h,
      changes: h.changes
        ? Object.entries(h.changes).map(([field, [before, after]]) => ({
            field,
            before: JSON.stringify(before),
            after: JSON.stringify(after),
          }))
        : [],
    }));
    return ctx.page(req, reply, 'subscriber', { section: 'subscribers', sub, history: history.reverse() });
  });
}
