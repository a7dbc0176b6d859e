/**
 * `GET /c/:token` shows the confirm button and changes nothing (mail scanners fetch every link);
 * `POST /c/:token` turns a `pending` subscriber `active` and records the consent (when, how, from
 * which IP). Confirm tokens expire after 7 days.
 */
import type { FastifyInstance } from 'fastify';
import type { LinkRouteContext } from './subscriber-routes.ts';

type TokenRequest = { Params: { token: string } };

export function confirmRoutes(ctx: LinkRouteContext) {
  const store = ctx.container.subscribers;
  return async (app: FastifyInstance) => {
    app.get<TokenRequest>('/c/:token', async (req, reply) => {
      const link = ctx.verify(req.params.token, 'confirm');
      const subscriber = link && (await store.get(link.subscriberId));
      if (!subscriber) return ctx.notFound(reply);
      const state =
        subscriber.status === 'pending'
          ? { ask: true }
          : subscriber.status === 'active'
            ? { done: true }
            : { inactive: true };
      return ctx.html(reply, 'confirm', {
        ...state,
        email: subscriber.email,
        locale: subscriber.locale,
        action: `/c/${req.params.token}`,
        preferencesUrl: ctx.url('preferences', subscriber.id),
      });
    });

    app.post<TokenRequest>('/c/:token', async (req, reply) => {
      const link = ctx.verify(req.params.token, 'confirm');
      let subscriber = link && (await store.get(link.subscriberId));
      if (!subscriber) return ctx.notFound(reply);
      if (subscriber.status === 'pending') {
        const now = ctx.clock();
        subscriber = await store.update(
          subscriber.id,
          { status: 'active', consent: { at: now.toISOString(), method: 'double-opt-in', ip: req.ip } },
          'link',
          'confirmed',
          `ip=${req.ip}`,
        );
      }
      return ctx.html(reply, 'confirm', {
        ...(subscriber.status === 'active' ? { done: true } : { inactive: true }),
        email: subscriber.email,
        locale: subscriber.locale,
        preferencesUrl: ctx.url('preferences', subscriber.id),
      });
    });
  };
}
