/**
 * The dashboard session: after a login with ADMIN_TOKEN, a cookie holding the login time, signed
 * (@fastify/cookie) with a key derived from ADMIN_TOKEN, so changing the token ends every session.
 * HttpOnly, SameSite=Strict, Path=/admin, Secure behind https. Stateless: any `digest serve` process
 * with the same token accepts it.
 */
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'nd_admin';
export const SESSION_HOURS = 12;

/** The cookie-signing secret for the admin scope (session, CSRF secret and flash cookies). */
export const cookieSecret = (adminToken: string) =>
  createHmac('sha256', adminToken).update('nd-admin-cookies-v1').digest('base64url');

export const cookieOptions = (req: FastifyRequest) => ({
  path: '/admin',
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: req.protocol === 'https',
  signed: true,
});

export function startSession(req: FastifyRequest, reply: FastifyReply, now: Date): void {
  reply.setCookie(SESSION_COOKIE, String(Math.floor(now.getTime() / 1000)), {
    ...cookieOptions(req),
    maxAge: SESSION_HOURS * 3600,
  });
}

export function endSession(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
}

/** True when the request carries a session cookie we signed, issued less than SESSION_HOURS ago. */
export function hasSession(req: FastifyRequest, now: Date): boolean {
  const raw = req.cookies[SESSION_COOKIE];
  if (!raw) return false;
  const { valid, value } = req.unsignCookie(raw);
  if (!valid || !value || !/^\d{1,12}$/.test(value)) return false;
  const age = now.getTime() / 1000 - Number(value);
  return age >= -60 && age < SESSION_HOURS * 3600;
}
