/**
 * `GET /p/:token` the preference center (changes nothing); `POST /p/:token` saves and shows what
 * changed. Unsubscribing and subscribing again (after an unsubscribe) also happen here.
 */
import type { FastifyInstance } from 'fastify';
import type { Subscriber } from '../../domain/subscriber.ts';
import { problemText } from '../../i18n/reader-problem.ts';
import { describeChanges, parsePreferenceForm, preferenceView } from '../../subscribers/preference-form.ts';
import type { LinkRouteContext } from './subscriber-routes.ts';

type TokenRequest = { Params: { token: string } };

export function preferenceRoutes(ctx: LinkRouteContext) {
  const { container } = ctx;
  const store = container.subscribers;
  const page = (token: string, s: Subscriber, extra: Record<string, unknown> = {}) => ({
    ...preferenceView(s, container.publication, ctx.clock(), ctx.pages.messages(s.locale)),
    action: `/p/${token}`,
    locale: s.locale,
    ...extra,
  });

  return async (app: FastifyInstance) => {
    app.get<TokenRequest>('/p/:token', async (req, reply) => {
      const link = ctx.verify(req.params.token, 'preferences');
      const subscriber = link && (await store.get(link.subscriberId));
      if (!subscriber) return ctx.notFound(reply);
      return ctx.html(reply, 'preferences', page(req.params.token, subscriber));
    });

    app.post<TokenRequest>('/p/:token', async (req, reply) => {
      const link = ctx.verify(req.params.token, 'preferences');
      const current = link && (await store.get(link.subscriberId));
      if (!current) return ctx.notFound(reply);
      const now = ctx.clock();
      const request = parsePreferenceForm(
        (req.body ?? {}) as Record<string, unknown>,
        current,
        container.publication,
        now,
      );
      if (!request.ok)
        return ctx.html(
          reply,
          'preferences',
          page(req.params.token, current, {
            errors: request.errors.map((e) => problemText(e, ctx.pages.messages(current.locale))),
          }),
          400,
        );

      let after: Subscriber = current;
      if (request.action === 'unsubscribe') {
        after = await store.unsubscribe(current.id, 'link', 'preference center');
      } else if (request.action === 'resubscribe') {
        // Only a person who unsubscribed comes back this way; bounced and complained stay suppressed.
        if (current.status === 'unsubscribed' && !(await store.isSuppressed(current.email))) {
          after = await store.update(
            current.id,
            { status: 'active', consent: { at: now.toISOString(), method: 'preference center', ip: req.ip } },
            'link',
            'resubscribed',
            `ip=${req.ip}`,
          );
        }
      } else if (current.status !== 'bounced' && current.status !== 'complained') {
        after = await store.update(current.id, request.patch, 'link', 'preferences', `ip=${req.ip}`);
      }
      const changes = diffForDisplay(current, after);
      return ctx.html(
        reply,
        'preferences',
        page(req.params.token, after, {
          saved: true,
          changes: describeChanges(
            changes,
            container.publication,
            after.timezone,
            ctx.pages.messages(after.locale),
          ),
        }),
      );
    });
  };
}

const SHOWN: Array<keyof Subscriber> = [
  'status',
  'name',
  'topics',
  'pausedUntil',
  'format',
  'timezone',
  'hour',
  'locale',
];

function diffForDisplay(before: Subscriber, after: Subscriber): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const field of SHOWN) {
    if (JSON.stringify(before[field] ?? null) !== JSON.stringify(after[field] ?? null))
      changes[field] = [before[field], after[field]];
  }
  return changes;
}
