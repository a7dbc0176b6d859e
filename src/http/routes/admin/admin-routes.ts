/**
 * The operator dashboard under `/admin`: a login form (ADMIN_TOKEN) that starts a signed session
 * cookie, a CSRF token on every form (@fastify/csrf-protection), server-rendered pages (Handlebars)
 * with a little JavaScript for live progress, and the queues browser (@bull-board) under
 * `/admin/queues`. One encapsulated plugin: its cookies, hooks and error page stay inside `/admin`.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Container } from '../../../app/container.ts';
import { templatesDir } from '../../../subscribers/templates-dir.ts';
import { checkToken, FailedAuthLimiter } from '../../admin-auth.ts';
import { type AdminContext, createAdminContext } from './admin-context.ts';
import { loadAdminPages } from './admin-pages.ts';
import { cookieSecret, createAdminSessions } from './admin-session.ts';
import { editionPages } from './edition-pages.ts';
import { outboxPages } from './outbox-pages.ts';
import { queueBoard } from './queue-board.ts';
import { signUpFormPage } from './signup-form-page.ts';
import { sourcePages } from './source-pages.ts';
import { MAX_UPLOAD_MB, subscriberAdminActions } from './subscriber-admin-actions.ts';
import { subscriberAdminPages } from './subscriber-admin-pages.ts';

export interface AdminRouteOptions {
  clock?: () => Date;
}

const PUBLIC_PATHS = new Set(['/admin/login']);
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";
const loginBody = z.object({ token: z.string().max(512).default('') });

const pathOf = (req: FastifyRequest) => req.url.split('?')[0]!;
const isQueueBoard = (path: string) => path === '/admin/queues' || path.startsWith('/admin/queues/');

export function adminRoutes(container: Container, options: AdminRouteOptions = {}) {
  return async (app: FastifyInstance) => {
    const clock = options.clock ?? (() => new Date());
    const pages = loadAdminPages(templatesDir(container.config.templatesDir), container.publication);
    const ctx = createAdminContext(container, pages, clock);

    const sessions = createAdminSessions(container.redis, container.prefix, () => container.publicUrl);
    await app.register(cookie, { secret: cookieSecret(container.adminToken) });
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'nd_csrf',
      cookieOpts: {
        path: '/admin',
        httpOnly: true,
        sameSite: 'strict',
        signed: true,
        secure: (container.config.publicUrl ?? '').startsWith('https:'),
      },
    });
    // Wrong tokens per client address; the right token always logs in (admin-auth.ts says why).
    const loginFailures = new FailedAuthLimiter();

    app.addHook('onRequest', async (req, reply) => {
      const path = pathOf(req);
      if (PUBLIC_PATHS.has(path) || path.startsWith('/admin/assets/')) return;
      if (await sessions.has(req)) return;
      if (req.method === 'GET' && !path.endsWith('.json') && !path.startsWith('/admin/queues/api'))
        return reply.code(303).redirect('/admin/login');
      return reply.code(401).send({ error: 'Unauthorized: log in at /admin/login' });
    });
    app.addHook('preHandler', (req, reply, done) => {
      if (!UNSAFE_METHODS.has(req.method)) return done();
      // The queue browser's own API calls carry no form token: require them to come from our pages.
      if (isQueueBoard(pathOf(req)))
        return sameOrigin(req) ? done() : reply.code(403).send({ error: 'Forbidden' });
      return app.csrfProtection(req, reply, done);
    });
    app.addHook('onSend', async (req, reply, payload) => {
      if (isQueueBoard(pathOf(req))) return payload;
      if (!reply.hasHeader('content-security-policy')) {
        reply.header('content-security-policy', CSP);
        reply.header('x-frame-options', 'DENY');
      }
      reply.header('cache-control', 'no-store');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-content-type-options', 'nosniff');
      return payload;
    });
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) =>
      errorPage(ctx, err, req, reply),
    );

    app.get('/admin/assets/:name', async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const body = pages.asset(name);
      if (!body) return reply.code(404).send({ error: 'Not found' });
      return reply.type(name.endsWith('.css') ? 'text/css' : 'text/javascript').send(body);
    });

    app.get('/admin/login', async (req, reply) => {
      if (await sessions.has(req)) return reply.code(303).redirect('/admin');
      return ctx.page(req, reply, 'login', { section: 'login' });
    });
    app.post('/admin/login', async (req, reply) => {
      const body = loginBody.safeParse(req.body ?? {});
      const given = body.success ? body.data.token : undefined;
      const checked = checkToken(given, container.adminToken, req.ip, loginFailures);
      if (!checked.ok) {
        container.logger.warn({ event: 'admin.login_failed', ip: req.ip }, 'dashboard login refused');
        if (checked.retryAfterMs > 0)
          reply.header('Retry-After', String(Math.ceil(checked.retryAfterMs / 1000)));
        const error =
          checked.retryAfterMs > 0
            ? 'Too many wrong tokens from your address; wait a minute and try again.'
            : 'That token is not valid.';
        return ctx.page(
          req,
          reply,
          'login',
          { section: 'login', error },
          checked.retryAfterMs > 0 ? 429 : 401,
        );
      }
      await sessions.start(req, reply);
      container.logger.info({ event: 'admin.login' }, 'dashboard login');
      return reply.code(303).redirect('/admin');
    });
    app.post('/admin/logout', async (req, reply) => {
      await sessions.end(req, reply);
      return reply.code(303).redirect('/admin/login');
    });

    editionPages(app, ctx);
    subscriberAdminPages(app, ctx);
    await subscriberAdminActions(app, ctx);
    sourcePages(app, ctx);
    outboxPages(app, ctx);
    signUpFormPage(app, ctx);
    await queueBoard(app, container);
    // Any other address under /admin: the dashboard's own "not found" page, with its navigation (the
    // public 404 is the publication's). Registered routes, the queue browser's included, win over `*`.
    app.get('/admin/*', async (req, reply) =>
      ctx.page(
        req,
        reply,
        'error',
        { section: 'error', status: 404, message: 'There is no dashboard page at this address.' },
        404,
      ),
    );
  };
}

/** Request errors of the libraries under the dashboard, told in its words (by code, never by text). */
function ownWords(code: string | undefined): string | undefined {
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return `The file is larger than ${MAX_UPLOAD_MB} MB: split it, or import it with digest subscribers import.`;
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return 'Upload one CSV file at a time, from the form on the subscribers page.';
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'The dashboard does not take that kind of request body; use its forms.';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The form is too large.';
    default:
      return undefined;
  }
}

/** A state-changing request to the queue browser must come from a page of this site. */
function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site) return site === 'same-origin';
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function errorPage(
  ctx: AdminContext,
  err: Error & { statusCode?: number; code?: string },
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const csrfFailed = err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET';
  const status = csrfFailed
    ? 403
    : err.statusCode && err.statusCode >= 400 && err.statusCode < 500
      ? err.statusCode
      : 500;
  if (status >= 500)
    ctx.container.logger.error({ event: 'http.error', url: req.url, err }, 'admin request failed');
  const message = csrfFailed
    ? 'This form has expired or did not come from this dashboard. Go back, reload the page and try again.'
    : status >= 500
      ? 'Something went wrong; the details are in the server log.'
      : (ownWords(err.code) ??
        'The dashboard could not read that request. Go back, reload the page and try again.');
  if (!req.headers.accept?.includes('text/html')) return reply.code(status).send({ error: message });
  return ctx.page(req, reply, 'error', { section: 'error', status, message }, status);
}
