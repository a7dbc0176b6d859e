/**
 * Everything a subscriber reaches from an email or the sign-up form (`/subscribe`, `/c`, `/p`, `/u`)
 * and the operators' `/api/subscribers`, registered as one plugin so app.ts needs one line. Link pages
 * carry no cookies, are never cached or indexed, and send no Referer (the token is in the URL).
 */
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Container } from '../../app/container.ts';
import { type LinkPurpose, type VerifiedLink, verifyLink } from '../../links/signed-link.ts';
import { linkUrl } from '../../links/subscriber-links.ts';
import { createConfirmationEmails } from '../../subscribers/confirmation-email.ts';
import { templatesDir } from '../../subscribers/templates-dir.ts';
import { apiSubscriberRoutes } from './api-subscribers.ts';
import { confirmRoutes } from './confirm.ts';
import { preferenceRoutes } from './preferences.ts';
import { readerProblemHandler } from './reader-problem-page.ts';
import { type SubscribeOptions, subscribeRoutes } from './subscribe.ts';
import { loadSubscriberPages, type PageName, type SubscriberPages } from './subscriber-pages.ts';
import { unsubscribeRoutes } from './unsubscribe.ts';

/** What the link routes share. `clock` is the one place they read the time (tests pass their own). */
export interface LinkRouteContext {
  container: Container;
  pages: SubscriberPages;
  clock: () => Date;
  /** The subscriber a token speaks for, or undefined (forged, truncated, expired, other purpose). */
  verify(token: string, purpose: LinkPurpose): VerifiedLink | undefined;
  /** A fresh signed URL for a subscriber (e.g. the preference link on the confirm page). */
  url(purpose: LinkPurpose, subscriberId: string): string;
  html(reply: FastifyReply, page: PageName, data: Record<string, unknown>, status?: number): FastifyReply;
  notFound(reply: FastifyReply): FastifyReply;
}

export interface SubscriberRouteOptions {
  clock?: () => Date;
  subscribe?: SubscribeOptions;
}

/**
 * `form-action` names the publication's site too: a sign-up form shown again with a refused address
 * keeps its `redirect` to that site, and browsers hold the redirect after a form's post to the page's
 * form-action (Chromium blocked the way back until it was listed; tests/e2e/embedded-signup-browser.test.ts).
 */
const csp = (siteOrigin: string | undefined) =>
  `default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'${siteOrigin ? ` ${siteOrigin}` : ''}; frame-ancestors 'none'; base-uri 'none'`;

export function subscriberRoutes(container: Container, options: SubscriberRouteOptions = {}) {
  return async (app: FastifyInstance) => {
    const dir = templatesDir(container.config.templatesDir);
    const clock = options.clock ?? (() => new Date());
    const ctx: LinkRouteContext = {
      container,
      pages: loadSubscriberPages(dir, container.publication, container.config.templatesDir),
      clock,
      verify: (token, purpose) =>
        verifyLink(token, container.linkKeys, purpose, Math.floor(clock().getTime() / 1000)),
      url: (purpose, id) =>
        linkUrl(container.publicUrl, purpose, id, container.linkKeys, Math.floor(clock().getTime() / 1000)),
      html: (reply, page, data, status = 200) =>
        reply.code(status).type('text/html; charset=utf-8').send(ctx.pages.render(page, data)),
      notFound: (reply) =>
        reply.code(404).type('text/html; charset=utf-8').send(ctx.pages.render('not-found', {})),
    };
    const CSP = csp(siteOrigin(container.publication.websiteUrl));
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);
    app.addHook('onSend', async (req, reply) => {
      if (req.url.startsWith('/api/')) return;
      reply.header('Cache-Control', 'no-store');
      reply.header('Referrer-Policy', 'no-referrer');
      reply.header('X-Robots-Tag', 'noindex');
      reply.header('Content-Security-Policy', CSP);
      reply.header('X-Content-Type-Options', 'nosniff');
    });
    // The reader's pages answer their errors in the reader's language (reader-problem-page.ts); the
    // operators' API keeps the app's JSON errors.
    await app.register(async (reader) => {
      reader.setErrorHandler(readerProblemHandler(ctx));
      await reader.register(
        subscribeRoutes(
          ctx,
          createConfirmationEmails(dir, container.publication, container.config.templatesDir),
          options.subscribe,
        ),
      );
      await reader.register(confirmRoutes(ctx));
      await reader.register(preferenceRoutes(ctx));
      await reader.register(unsubscribeRoutes(ctx));
    });
    await app.register(apiSubscriberRoutes(ctx));
  };
}

function siteOrigin(websiteUrl: string): string | undefined {
  try {
    const url = new URL(websiteUrl);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
