/**
 * Builds the Fastify app without listening (server.ts listens), so tests build it in-process and call
 * `inject`. Route groups live in src/http/routes/, one file per concern, each a plugin taking the
 * container.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Container } from '../app/container.ts';
import { templatesDir } from '../subscribers/templates-dir.ts';
import { redactLinkTokens } from './redact-link-tokens.ts';
import { adminRoutes } from './routes/admin/admin-routes.ts';
import { apiArticleRoutes } from './routes/api-articles.ts';
import { apiEditionRoutes } from './routes/api-editions.ts';
import { editionRoutes } from './routes/editions.ts';
import { healthRoutes } from './routes/health.ts';
import { publicationImageRoutes } from './routes/publication-images.ts';
import { loadSubscriberPages } from './routes/subscriber-pages.ts';
import { subscriberRoutes } from './routes/subscriber-routes.ts';
import { webhookRoutes } from './routes/webhooks.ts';

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
  // The plain 404 (any unknown path, any forged or expired link) in the publication's language.
  const notFound = loadSubscriberPages(
    templatesDir(container.config.templatesDir),
    container.publication,
    container.config.templatesDir,
  ).render('not-found', {});
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/html; charset=utf-8').send(notFound));

  await app.register(healthRoutes(container));
  await app.register(apiArticleRoutes(container));
  await app.register(subscriberRoutes(container));
  await app.register(editionRoutes(container));
  await app.register(apiEditionRoutes(container));
  await app.register(adminRoutes(container));
  await app.register(webhookRoutes(container));
  await app.register(publicationImageRoutes(container));
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
}

/**
 * TRUST_PROXY as Fastify (proxy-addr) takes it. `false`: the socket's address is the client, every
 * X-Forwarded-* header is ignored. Addresses/CIDRs: a header is believed only from a peer in that list,
 * walking back through the listed proxies, so the client is the first address that is not one of
 * ours. A hop count n: the n nearest hops are believed whoever they are (the client is the n-th address
 * from the right of X-Forwarded-For plus the socket), right only when every request passes through
 * exactly n proxies (e.g. HOST=127.0.0.1 behind one local proxy). `true` (believe any header) is
 * refused by config.ts: a client could name any address, 127.0.0.1 included.
 */
function trustProxyOption(
  value: false | number | string,
): false | string | ((address: string, hop: number) => boolean) {
  // Fastify's own number form now trusts no header at all (it cannot check the nearest peer), so a hop
  // count goes in as proxy-addr's function form.
  return typeof value === 'number' ? (_address, hop) => hop < value : value;
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
