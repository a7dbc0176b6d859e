/**
 * `GET /subscribe` (the form) and `POST /subscribe` (form or JSON): double opt-in. The answer is the
 * same whether the address is new, pending, subscribed or suppressed; see src/subscribers/sign-up.ts.
 * It is also given in the same time: the handler checks the form and answers; the sign-up itself (store,
 * throttle, SMTP) runs after the answer, so neither a suppressed address (no email) nor a slow relay
 * shows in the response time (issue 18 #6). A failed send is logged (`signup.failed`) and gives the
 * address's one-per-day slot back, so the person can simply try again; closing the app waits for the
 * sign-ups still running.
 * Rate-limited per IP (@fastify/rate-limit on the container's Redis, so it holds across processes)
 * and per address (one email per 24 h).
 *
 * The form may be embedded in the publication's own site (signup-snippet.ts) and post here from another
 * origin: there is deliberately no Origin or CSRF check, since a sign-up form is public (a bot can post
 * it without any browser) and a forged post can do no more than a real one. What protects it: the
 * honeypot field (filled: answered as accepted, nobody added, nothing mailed), the per-IP and
 * per-address limits, and the double opt-in (nobody is subscribed until the address's owner confirms).
 * A `redirect` field sends the browser back (303) after a sign-up, only to the publication's own
 * origins (signup-redirect.ts); a refused address shows our form with the reason, the redirect kept.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { localeOptions } from '../../i18n/locale-options.ts';
import { checkLocale } from '../../i18n/locale-tag.ts';
import { problemText } from '../../i18n/reader-problem.ts';
import { subscribeRateLimitNamespace } from '../../redis/key-layout.ts';
import type { ConfirmationEmails } from '../../subscribers/confirmation-email.ts';
import { checkEmail } from '../../subscribers/normalise-email.ts';
import { type SignUpDeps, signUp } from '../../subscribers/sign-up.ts';
import { safeRedirect, signUpOrigins } from '../../subscribers/signup-redirect.ts';
import { HONEYPOT_FIELD } from '../../subscribers/signup-snippet.ts';
import { checkTimezone, checkTopics, cleanName } from '../../subscribers/subscriber-input.ts';
import type { LinkRouteContext } from './subscriber-routes.ts';

export interface SubscribeOptions {
  /** Sign-up requests per IP per window (default 10). */
  perIpMax?: number;
  /** Window of the per-IP limit in ms (default 10 minutes). */
  perIpWindowMs?: number;
}

export function subscribeRoutes(
  ctx: LinkRouteContext,
  emails: ConfirmationEmails,
  options: SubscribeOptions = {},
) {
  const { container } = ctx;
  return async (app: FastifyInstance) => {
    await app.register(rateLimit, {
      global: false,
      // After the body is parsed, so a refused request is answered in the language its form names.
      hook: 'preHandler',
      redis: container.redis,
      nameSpace: subscribeRateLimitNamespace(container.prefix),
    });

    const deps: SignUpDeps = {
      store: container.subscribers,
      throttle: container.confirmationThrottle,
      emails,
      mailer: container.mailer,
      publication: container.publication,
      linkKeys: container.linkKeys,
      publicUrl: () => container.publicUrl,
      logger: container.logger,
    };
    const inFlight = new Set<Promise<unknown>>();
    app.addHook('onClose', async () => {
      await Promise.allSettled([...inFlight]);
    });

    // `?locale=de` shows the form in that language with it chosen (a link from a German page).
    const origins = signUpOrigins(container.publication.websiteUrl, container.publicUrl);
    const form = (locale: string, error?: string, redirect?: string) => ({
      topics: container.publication.topics,
      locale,
      locales: localeOptions(locale, container.publication.locale, ctx.pages.messages(locale)),
      error,
      redirect,
    });
    app.get<{ Querystring: { locale?: string } }>('/subscribe', async (req, reply) => {
      const locale = checkLocale(req.query?.locale);
      return ctx.html(reply, 'subscribe', form(locale.ok ? locale.value : ''));
    });

    app.post(
      '/subscribe',
      {
        config: {
          rateLimit: { max: options.perIpMax ?? 10, timeWindow: options.perIpWindowMs ?? 10 * 60_000 },
        },
      },
      async (req, reply) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const redirect = safeRedirect(body.redirect, origins);
        // A bot filled the field people never see: answer as for anyone, add and mail nobody.
        const honeypot = body[HONEYPOT_FIELD];
        if (honeypot !== undefined && honeypot !== '') {
          container.logger.info({ event: 'signup.honeypot', ip: req.ip }, 'sign-up honeypot filled; ignored');
          const locale = checkLocale(body.locale);
          return answer(req, reply, 200, locale.ok ? locale.value : '', undefined, redirect);
        }
        const email = checkEmail(body.email);
        const name = cleanName(body.name);
        const topics = checkTopics(body.topics, container.publication);
        // A browser's zone we do not know is no reason to refuse anyone: the default applies.
        const timezone = checkTimezone(body.timezone, container.publication.timezone);
        const locale = checkLocale(body.locale);
        const shownIn = locale.ok ? locale.value : '';
        // The first refused field, in the language the form was shown in.
        const refused = !email.ok
          ? email
          : !name.ok
            ? name
            : !topics.ok
              ? topics
              : !locale.ok
                ? locale
                : undefined;
        if (refused || !email.ok || !name.ok || !topics.ok || !locale.ok)
          return answer(
            req,
            reply,
            400,
            shownIn,
            refused && problemText(refused, ctx.pages.messages(shownIn)),
            redirect,
          );
        const running: Promise<unknown> = signUp(
          deps,
          {
            email: email.email,
            name: name.value,
            topics: topics.value,
            timezone: timezone.ok ? timezone.value : container.publication.timezone,
            locale: locale.value,
            ip: req.ip,
          },
          ctx.clock(),
        )
          .catch((err) =>
            container.logger.error({ event: 'signup.failed', err }, 'sign-up email could not be sent'),
          )
          .finally(() => inFlight.delete(running));
        inFlight.add(running);
        return answer(req, reply, 200, locale.value, undefined, redirect);
      },
    );

    function answer(
      req: FastifyRequest,
      reply: FastifyReply,
      status: number,
      locale: string,
      problem?: string,
      redirect?: string,
    ) {
      const wantsJson = (req.headers['content-type'] ?? '').includes('application/json');
      if (wantsJson) {
        return reply.code(status).send(
          status === 200
            ? {
                status: 'ok',
                message: ctx.pages
                  .messages(locale)
                  .t('page.subscribeSent.text', { publication: container.publication.name }),
              }
            : { error: problem },
        );
      }
      if (status === 200 && redirect) return reply.code(303).redirect(redirect);
      if (status === 200)
        return ctx.html(reply, 'subscribe-sent', { locale, back: container.publication.websiteUrl });
      return ctx.html(reply, 'subscribe', form(locale, problem, redirect), status);
    }
  };
}
