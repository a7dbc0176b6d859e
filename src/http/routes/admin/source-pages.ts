/** Dashboard page of sources: each feed with what its last fetch found. */
import type { FastifyInstance } from 'fastify';
import type { AdminContext } from './admin-context.ts';

export function sourcePages(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/admin/sources', async (req, reply) => {
    const sources = await ctx.container.sources.list();
    return ctx.page(req, reply, 'sources', {
      section: 'sources',
      sources: sources.map((s) => ({ ...s, failed: s.lastFetch?.status === 'error' })),
    });
  });
}
