/**
 * `GET /u/:token` asks "Unsubscribe from <publication>?" and changes nothing (link scanners and Safe
 * Links fetch every GET). `POST /u/:token` unsubscribes: RFC 8058 one-click. Mail providers POST
 * `List-Unsubscribe=One-Click` urlencoded or multipart, with no cookie; the answer is 200 with no
 * redirect, and repeating it is harmless. The signed token is the only authority, so any body (or
 * none) is accepted.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { SubscriberNotFoundError } from '../../subscribers/subscriber-store.ts';
import type { LinkRouteContext } from './subscriber-routes.ts';

type TokenRequest = { Params: { token: string } };

export function unsubscribeRoutes(ctx: LinkRouteContext) {
  const store = ctx.container.subscribers;
  return async (app: FastifyInstance) => {
    if (!app.hasContentTypeParser('multipart/form-data'))
      await app.register(multipart, {
        attachFieldsToBody: true,
        limits: { fileSize: 1024, files: 1, fields: 10 },
      });
    // Some clients send text/plain or no useful type: the body does not matter, so read and drop it.
    if (!app.hasContentTypeParser('*'))
      app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_req, _body, done) =>
        done(null, {}),
      );

    app.get<TokenRequest>('/u/:token', async (req, reply) => {
      const link = ctx.verify(req.params.token, 'unsubscribe');
      if (!link) return ctx.notFound(reply);
      const subscriber = await store.get(link.subscriberId);
      const done =
        subscriber !== undefined && subscriber.status !== 'pending' && subscriber.status !== 'active';
      return ctx.html(reply, 'unsubscribe', {
        ask: !done,
        email: subscriber?.email,
        action: `/u/${req.params.token}`,
        preferencesUrl: subscriber ? ctx.url('preferences', subscriber.id) : undefined,
      });
    });

    app.post<TokenRequest>('/u/:token', async (req, reply) => {
      const link = ctx.verify(req.params.token, 'unsubscribe');
      if (!link) return ctx.notFound(reply);
      let exists = true;
      try {
        await store.unsubscribe(link.subscriberId, 'link', 'one-click');
      } catch (err) {
        // Forgotten meanwhile: the address is suppressed, which is what the person asked for.
        if (!(err instanceof SubscriberNotFoundError)) throw err;
        exists = false;
      }
      return ctx.html(reply, 'unsubscribe', {
        ask: false,
        preferencesUrl: exists ? ctx.url('preferences', link.subscriberId) : undefined,
      });
    });
  };
}
