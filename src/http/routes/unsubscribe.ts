/**
 * `GET /u/:token` asks "Unsubscribe from <publication>?" and changes nothing (link scanners and Safe
 * Links fetch every GET). `POST /u/:token` unsubscribes: RFC 8058 one-click. Mail providers POST
 * `List-Unsubscribe=One-Click` urlencoded or multipart, with no cookie; the answer is 200 with no
 * redirect, and repeating it is harmless. The signed token is the only authority, so any body (or
 * none, of any type, well-formed or not) up to ONE_CLICK_BODY_LIMIT is read, dropped and answered 200.
 */
import type { FastifyInstance } from 'fastify';
import { SubscriberNotFoundError } from '../../subscribers/subscriber-store.ts';
import type { LinkRouteContext } from './subscriber-routes.ts';

type TokenRequest = { Params: { token: string } };

/** Largest one-click body we read (and drop); a mail provider sends ~30 bytes. Larger gets 413. */
export const ONE_CLICK_BODY_LIMIT = 64 * 1024;

export function unsubscribeRoutes(ctx: LinkRouteContext) {
  const store = ctx.container.subscribers;
  return async (app: FastifyInstance) => {
    app.get<TokenRequest>('/u/:token', async (req, reply) => {
      const link = ctx.verify(req.params.token, 'unsubscribe');
      if (!link) return ctx.notFound(reply);
      const subscriber = await store.get(link.subscriberId);
      const done =
        subscriber !== undefined && subscriber.status !== 'pending' && subscriber.status !== 'active';
      return ctx.html(reply, 'unsubscribe', {
        ask: !done,
        email: subscriber?.email,
        locale: subscriber?.locale,
        action: `/u/${req.params.token}`,
        preferencesUrl: subscriber ? ctx.url('preferences', subscriber.id) : undefined,
      });
    });

    // The POST in a scope of its own whose only body parser reads whatever comes (any type, no type,
    // malformed multipart or JSON, a file part) up to the limit and drops it: the body carries nothing
    // we use, so no parser may turn a valid unsubscribe into a 400 or 500 (issue 18 #4).
    await app.register(async (oneClick) => {
      oneClick.removeAllContentTypeParsers();
      oneClick.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: ONE_CLICK_BODY_LIMIT },
        (_req, _body, done) => done(null, undefined),
      );
      oneClick.post<TokenRequest>('/u/:token', async (req, reply) => {
        const link = ctx.verify(req.params.token, 'unsubscribe');
        if (!link) return ctx.notFound(reply);
        let exists = true;
        let locale: string | undefined;
        try {
          locale = (await store.unsubscribe(link.subscriberId, 'link', 'one-click')).locale;
        } catch (err) {
          // Forgotten meanwhile: the address is suppressed, which is what the person asked for.
          if (!(err instanceof SubscriberNotFoundError)) throw err;
          exists = false;
        }
        return ctx.html(reply, 'unsubscribe', {
          ask: false,
          locale,
          preferencesUrl: exists ? ctx.url('preferences', link.subscriberId) : undefined,
        });
      });
    });
  };
}
