/**
 * Builds the Fastify app without listening (server.ts listens), so tests build it in-process and call
 * `inject`. Route groups live in src/http/routes/, one file per concern, each a plugin taking the
 * container.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Container } from '../app/container.ts';
import { adminRoutes } from './routes/admin/admin-routes.ts';
import { apiArticleRoutes } from './routes/api-articles.ts';
import { apiEditionRoutes } from './routes/api-editions.ts';
import { editionRoutes } from './routes/editions.ts';
import { healthRoutes } from './routes/health.ts';
import { subscriberRoutes } from './routes/subscriber-routes.ts';

export interface AppOptions {
  /** Log requests through the container's logger (off in tests). */
  logRequests?: boolean;
  /** Extra route plugins, registered after the built-in ones (the `start` command adds workers' status). */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
}

export async function buildApp(container: Container, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (options.logRequests ? requestLogger(container) : undefined) as
      | FastifyBaseLogger
      | undefined,
    bodyLimit: 1024 * 1024,
    // Signed link tokens are ~110 characters, longer than Fastify's default limit of 100 per parameter.
    routerOptions: { maxParamLength: 512 },
    // Only configured proxies may name the client's IP (X-Forwarded-For), or per-IP limits are spoofable.
    trustProxy: trustProxyOption(container.config.trustProxy),
  });

  // One central error handler: 4xx explain themselves; 5xx details stay in the log.
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      container.logger.error({ event: 'http.error', url: redactLinkTokens(req.url), err }, 'request failed');
      return reply.code(status).send({ error: 'Internal Server Error' });
    }
    return reply.code(status).send({ error: err.message });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).type('text/html; charset=utf-8').send(notFoundPage()),
  );

  await app.register(healthRoutes(container));
  await app.register(apiArticleRoutes(container));
  await app.register(subscriberRoutes(container));
  await app.register(editionRoutes(container));
  await app.register(apiEditionRoutes(container));
  await app.register(adminRoutes(container));
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
}

export function notFoundPage(): string {
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Not found</title></head><body><main><h1>Not found</h1><p>This link is not valid.</p></main></body></html>';
}

/** A hop count becomes proxy-addr's function form (Fastify's types name only boolean, string and functions). */
function trustProxyOption(
  value: boolean | number | string,
): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value;
}

/** A signed link token stands for a subscriber: never write one to the logs. */
export function redactLinkTokens(url: string): string {
  return url.replace(/^\/(u|p|c)\/[^/?#]+/, '/$1/[token]');
}

function requestLogger(container: Container) {
  return container.logger.child(
    {},
    {
      serializers: {
        req: (req: { method?: string; url?: string }) => ({
          method: req.method,
          url: redactLinkTokens(req.url ?? ''),
        }),
      },
    },
  );
}
