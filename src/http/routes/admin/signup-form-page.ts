/**
 * `/admin/signup-form`: the sign-up form for the publication's own site, as an HTML snippet to copy
 * (src/subscribers/signup-snippet.ts), with or without topic choices and with an optional page to
 * return to after signing up (refused here, in the dashboard's words, unless it is on the publication's
 * own origins, as `POST /subscribe` would ignore it). `/admin/signup-form/preview` shows the snippet as
 * a browser draws it, in a sandboxed frame whose form cannot be sent.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createTranslator } from '../../../i18n/translator.ts';
import { safeRedirect, signUpOrigins } from '../../../subscribers/signup-redirect.ts';
import { signUpSnippet } from '../../../subscribers/signup-snippet.ts';
import type { AdminContext } from './admin-context.ts';

// Inline styles only (the snippet's own); no scripts; the form's post is blocked by the sandbox.
const PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'self'; sandbox";

interface SnippetQuery {
  topics?: string;
  redirect?: string;
}

export function signUpFormPage(app: FastifyInstance, ctx: AdminContext): void {
  const { container } = ctx;
  const { publication } = container;
  const messages = createTranslator(publication.locale, { templatesDir: container.config.templatesDir });
  const origins = signUpOrigins(publication.websiteUrl, container.publicUrl);

  /** The snippet for the query's choices, or the reason the return page is refused. */
  function build(req: FastifyRequest) {
    const q = (req.query ?? {}) as SnippetQuery;
    const withTopics = q.topics !== '0';
    const wanted = typeof q.redirect === 'string' ? q.redirect.trim() : '';
    const redirect = wanted ? safeRedirect(wanted, origins) : '';
    const problem =
      redirect === undefined
        ? `The page to return to must be on ${[...origins].join(' or ')} (the publication's website or this server), so that the form cannot send people elsewhere.`
        : undefined;
    const snippet = signUpSnippet({
      publicUrl: container.publicUrl,
      publicationName: publication.name,
      topics: withTopics ? publication.topics : [],
      redirect: redirect ?? '',
      locale: '',
      labels: {
        heading: messages.t('page.subscribe.heading', { publication: publication.name }),
        email: messages.t('page.subscribe.email'),
        topics: messages.t('page.field.topics'),
        optional: messages.t('page.subscribe.optional'),
        button: messages.t('page.subscribe.button'),
      },
    });
    return { withTopics, wanted, problem, snippet };
  }

  app.get('/admin/signup-form', async (req, reply) => {
    const { withTopics, wanted, problem, snippet } = build(req);
    const query = new URLSearchParams({ topics: withTopics ? '1' : '0', redirect: problem ? '' : wanted });
    return ctx.page(
      req,
      reply,
      'signup-form',
      {
        section: 'signup-form',
        withTopics,
        redirect: wanted,
        problem,
        snippet,
        previewUrl: `/admin/signup-form/preview?${query}`,
        subscribeUrl: `${container.publicUrl}/subscribe`,
        websiteUrl: publication.websiteUrl,
      },
      problem ? 400 : 200,
    );
  });

  app.get('/admin/signup-form/preview', async (req, reply) => {
    const { snippet } = build(req);
    reply.header('content-security-policy', PREVIEW_CSP).header('x-frame-options', 'SAMEORIGIN');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html lang="${publication.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Preview</title></head><body style="font-family:system-ui,sans-serif;margin:1rem">${snippet}</body></html>`,
      );
  });
}
