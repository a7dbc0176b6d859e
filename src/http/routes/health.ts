/**
 * `/healthz`: the process answers. `/readyz`: Redis answers and the `send` queue has a worker
 * connected somewhere (any process); the worker counts of the other queues are reported beside it.
 * `/metrics`: Prometheus text (src/observability/metrics.ts). It carries no personal data, but it does
 * tell the size of the list and of every edition, so it answers loopback clients (a Prometheus or agent
 * on the same host) and, with METRICS_TOKEN set, any client with `Authorization: Bearer <METRICS_TOKEN>`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../app/container.ts';
import { QUEUES } from '../../queues/queue-names.ts';
import { FailedAuthLimiter, requireBearer } from '../admin-auth.ts';

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`req.ip` honours TRUST_PROXY). */
export const isLoopback = (ip: string): boolean => /^(127\.|::ffff:127\.|::1$)/.test(ip);

function metricsAccess(token: string | undefined, proxiesTrusted: boolean) {
  const bearer = token ? requireBearer(() => token, new FailedAuthLimiter()) : undefined;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    // A reverse proxy on this host connects from loopback: without TRUST_PROXY its forwarding header
    // is the only sign that the client is elsewhere.
    const forwarded = !proxiesTrusted && (req.headers['x-forwarded-for'] || req.headers.forwarded);
    if (isLoopback(req.ip) && !forwarded) return;
    if (bearer) return bearer(req, reply);
    return reply
      .code(403)
      .type('text/plain')
      .send('metrics answer loopback clients only; set METRICS_TOKEN to scrape from other hosts\n');
  };
}

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
    app.get(
      '/metrics',
      { onRequest: metricsAccess(container.config.metricsToken, container.config.trustProxy !== false) },
      async (_req, reply) => {
        try {
          const { contentType, body } = await container.metrics.expose();
          return reply.type(contentType).header('cache-control', 'no-store').send(body);
        } catch (err) {
          container.logger.error({ event: 'metrics.failed', err }, 'metrics scrape failed');
          return reply.code(503).type('text/plain').send('metrics unavailable\n');
        }
      },
    );
  };
}
