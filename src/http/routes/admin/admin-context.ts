/** What the dashboard's route files share: the container, the pages, the clock and page helpers. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../../app/container.ts';
import type { AdminPages } from './admin-pages.ts';
import { cookieOptions, secureCookies } from './admin-session.ts';

const FLASH_COOKIE = 'nd_flash';

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface AdminContext {
  container: Container;
  pages: AdminPages;
  /** The one place the dashboard reads the time (tests pass their own). */
  clock: () => Date;
  /** Renders a page with the CSRF token, the flash message and the nav section. */
  page(
    req: FastifyRequest,
    reply: FastifyReply,
    name: string,
    data: Record<string, unknown>,
    status?: number,
  ): FastifyReply;
  /** Redirects (303) with a one-time message for the next page. */
  redirect(req: FastifyRequest, reply: FastifyReply, to: string, flash?: Flash): FastifyReply;
}

export function createAdminContext(container: Container, pages: AdminPages, clock: () => Date): AdminContext {
  return {
    container,
    pages,
    clock,
    page(req, reply, name, data, status = 200) {
      const flash = readFlash(req, reply, container.publicUrl);
      const csrfToken = reply.generateCsrf({ secure: secureCookies(req, container.publicUrl) });
      const html = pages.render(name, { ...data, csrfToken, flash, section: data.section ?? name });
      return reply.code(status).type('text/html; charset=utf-8').send(html);
    },
    redirect(req, reply, to, flash) {
      if (flash) {
        const value = Buffer.from(JSON.stringify(flash)).toString('base64url');
        reply.setCookie(FLASH_COOKIE, value, { ...cookieOptions(req, container.publicUrl), maxAge: 60 });
      }
      return reply.code(303).redirect(to);
    },
  };
}

function readFlash(req: FastifyRequest, reply: FastifyReply, publicUrl: string): Flash | undefined {
  const raw = req.cookies[FLASH_COOKIE];
  if (!raw) return undefined;
  reply.clearCookie(FLASH_COOKIE, cookieOptions(req, publicUrl));
  const { valid, value } = req.unsignCookie(raw);
  if (!valid || !value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Flash;
    return parsed.kind === 'ok' || parsed.kind === 'error'
      ? { kind: parsed.kind, text: String(parsed.text) }
      : undefined;
  } catch {
    return undefined;
  }
}
