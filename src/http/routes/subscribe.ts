/**
 * `GET /subscribe` (the form) and `POST /subscribe` (form or JSON): double opt-in. The answer is the
 * same whether the address is new, pending, subscribed or suppressed; see src/subscribers/sign-up.ts.
 * Rate-limited per IP (@fastify/rate-limit on the container's Redis, so it holds across processes)
 * and per address (one email per 24 h).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConfirmationEmails } from '../../subscribers/confirmation-email.ts';
import { normaliseEmail } from '../../subscribers/normalise-email.ts';
import { signUp } from '../../subscribers/sign-up.ts';
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
      redis: container.redis,
      nameSpace: `${container.prefix}:rl:subscribe:`,
    });

    app.get('/subscribe', async (_req, reply) =>
      ctx.html(reply, 'subscribe', { topics: container.publication.topics }),
    );

    app.post(
      '/subscribe',
      {
        config: {
          rateLimit: { max: options.perIpMax ?? 10, timeWindow: options.perIpWindowMs ?? 10 * 60_000 },
        },
      },
      async (req, reply) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const email = normaliseEmail(body.email);
        const name = cleanName(body.name);
        const topics = checkTopics(body.topics, container.publication);
        // A browser's zone we do not know is no reason to refuse anyone: the default applies.
        const timezone = checkTimezone(body.timezone, container.publication.timezone);
        const problem = !email
          ? 'Please enter one valid email address.'
          : !name.ok
            ? name.reason
            : !topics.ok
              ? topics.reason
              : undefined;
        if (problem || !email || !name.ok || !topics.ok) return answer(req, reply, 400, problem);
        try {
          await signUp(
            {
              store: container.subscribers,
              throttle: container.confirmationThrottle,
              emails,
              mailer: container.mailer,
              publication: container.publication,
              linkKeys: container.linkKeys,
              publicUrl: () => container.publicUrl,
              logger: container.logger,
            },
            {
              email,
              name: name.value,
              topics: topics.value,
              timezone: timezone.ok ? timezone.value : container.publication.timezone,
              ip: req.ip,
            },
            ctx.clock(),
          );
        } catch (err) {
          container.logger.error({ event: 'signup.failed', err }, 'sign-up email could not be sent');
          return answer(req, reply, 503, 'We could not send the email just now. Please try again later.');
        }
        return answer(req, reply, 200);
      },
    );

    function answer(req: FastifyRequest, reply: FastifyReply, status: number, problem?: string) {
      const wantsJson = (req.headers['content-type'] ?? '').includes('application/json');
      if (wantsJson) {
        return reply.code(status).send(
          status === 200
            ? {
                status: 'ok',
                message: 'If the address can receive this publication, a confirmation email is on its way.',
              }
            : { error: problem },
        );
      }
      if (status === 200) return ctx.html(reply, 'subscribe-sent', {});
      return ctx.html(reply, 'subscribe', { topics: container.publication.topics, error: problem }, status);
    }
  };
}
