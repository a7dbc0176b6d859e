/**
 * The error answer of the pages a reader reaches (sign-up, confirm, preferences, unsubscribe): one
 * line in the reader's language instead of a library's English JSON. Too many sign-ups from one
 * address (429, @fastify/rate-limit), a change no replica confirmed in time (503), a body that could
 * not be read (400, 413, 415): each gets the `problem` page (or `{ error }` in the same words for a
 * JSON request) with its status and headers (Retry-After) kept. The language is the reader's when the
 * request names a subscriber (a link's token) or a language (the sign-up form's `locale`), else the
 * publication's. 5xx details are logged, never shown.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { checkLocale } from '../../i18n/locale-tag.ts';
import type { LinkPurpose } from '../../links/signed-link.ts';
import { redactLinkTokens } from '../redact-link-tokens.ts';
import type { LinkRouteContext } from './subscriber-routes.ts';

const PURPOSES: Record<string, LinkPurpose> = { c: 'confirm', p: 'preferences', u: 'unsubscribe' };

export function readerProblemHandler(ctx: LinkRouteContext) {
  return async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500)
      ctx.container.logger.error(
        { event: 'http.error', url: redactLinkTokens(req.url), err },
        'request failed',
      );
    const locale = await readerLocaleOf(ctx, req);
    const messages = ctx.pages.messages(locale);
    const text =
      status === 429 || status === 403
        ? messages.t('page.problem.busy')
        : status >= 500
          ? messages.t('page.problem.unavailable')
          : messages.t('page.problem.unreadable');
    if ((req.headers['content-type'] ?? '').includes('application/json'))
      return reply.code(status).send({ error: text });
    return ctx.html(reply, 'problem', { locale, title: messages.t('page.problem.title'), text }, status);
  };
}

async function readerLocaleOf(ctx: LinkRouteContext, req: FastifyRequest): Promise<string> {
  const token = (req.params as { token?: unknown } | undefined)?.token;
  const purpose = PURPOSES[/^\/([cpu])\//.exec(req.url)?.[1] ?? ''];
  if (typeof token === 'string' && purpose) {
    const link = ctx.verify(token, purpose);
    // The store may be why this failed: then the publication's language.
    const subscriber =
      link && (await ctx.container.subscribers.get(link.subscriberId).catch(() => undefined));
    if (subscriber) return subscriber.locale;
  }
  const asked =
    (req.body as { locale?: unknown } | undefined)?.locale ?? (req.query as { locale?: unknown })?.locale;
  const checked = checkLocale(typeof asked === 'string' ? asked : undefined);
  return checked.ok ? checked.value : '';
}
