/**
 * `/healthz`: the process answers. `/readyz`: Redis answers and the `send` queue has a worker
 * connected somewhere (any process); the worker counts of the other queues are reported beside it. `/metrics`: Prometheus text (src/observability/metrics.ts); it carries
 * edition ids and counts, never personal data.
 */
import type { FastifyInstance } from 'fastify';
import type { Container } from '../../app/container.ts';
import { QUEUES } from '../../queues/queue-names.ts';

export function healthRoutes(container: Container) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
      try {
        await container.redis.ping();
      } catch {
        return reply.code(503).send({ status: 'unavailable', redis: 'unreachable' });
      }
      const workers: Record<string, number> = {};
      for (const [name, queue] of Object.entries(container.queues)) {
        if (typeof queue === 'object' && 'getWorkersCount' in queue)
          workers[name] = await queue.getWorkersCount();
      }
      if (!workers[QUEUES.send]) {
        return reply.code(503).send({ status: 'unavailable', redis: 'ok', workers, missing: [QUEUES.send] });
      }
      return { status: 'ready', redis: 'ok', workers };
    });
    app.get('/metrics', async (_req, reply) => {
      try {
        const { contentType, body } = await container.metrics.expose();
        return reply.type(contentType).header('cache-control', 'no-store').send(body);
      } catch (err) {
        container.logger.error({ event: 'metrics.failed', err }, 'metrics scrape failed');
        return reply.code(503).type('text/plain').send('metrics unavailable\n');
      }
    });
  };
}
