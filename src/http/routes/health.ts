import type { FastifyInstance } from 'fastify';
import type { Container } from '../../app/container.ts';

/** `/healthz`: the process answers. `/readyz`: Redis answers too. */
export function healthRoutes(container: Container) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
      try {
        await container.redis.ping();
        return { status: 'ready', redis: 'ok' };
      } catch {
        return reply.code(503).send({ status: 'unavailable', redis: 'unreachable' });
      }
    });
  };
}
