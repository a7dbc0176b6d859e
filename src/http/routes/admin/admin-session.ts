/**
 * The dashboard session: after a login with ADMIN_TOKEN, a random session id in a cookie (signed by
 * @fastify/cookie with a key derived from ADMIN_TOKEN, so changing the token ends every session) and
 * the same id's SHA-256 in Redis, `P:admin:session:<hash>`, expiring after SESSION_HOURS. Logout
 * deletes the Redis key, so a copy of the cookie replayed after logout is no session (issue 18 #10);
 * the store is shared, so any `digest serve` process accepts a session another one started. Redis
 * keeps only hashes: a dump of it holds no usable cookie.
 *
 * Cookies are HttpOnly, SameSite=Strict, Path=/admin, and Secure whenever the site is https: either the
 * request came over TLS or PUBLIC_URL is https (a TLS-terminating proxy in front talks plain http to
 * us, and without TRUST_PROXY we cannot see its X-Forwarded-Proto).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminSessionKey } from '../../../redis/key-layout.ts';
import type { RedisClient } from '../../../redis/redis-client.ts';

export const SESSION_COOKIE = 'nd_admin';
export const SESSION_HOURS = 12;

/** The cookie-signing secret for the admin scope (session, CSRF secret and flash cookies). */
export const cookieSecret = (adminToken: string) =>
  createHmac('sha256', adminToken).update('nd-admin-cookies-v1').digest('base64url');

/** True when cookies must carry `Secure`: the request came over https, or the public site is https. */
export const secureCookies = (req: FastifyRequest, publicUrl: string): boolean =>
  req.protocol === 'https' || publicUrl.startsWith('https:');

export const cookieOptions = (req: FastifyRequest, publicUrl: string) => ({
  path: '/admin',
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: secureCookies(req, publicUrl),
  signed: true,
});

export interface AdminSessions {
  /** A new session: its id in Redis and in the reply's cookie. */
  start(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Ends the request's session in Redis (every copy of the cookie) and clears the cookie. */
  end(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** True when the request carries a cookie we signed whose session is still in Redis. */
  has(req: FastifyRequest): Promise<boolean>;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function createAdminSessions(
  redis: RedisClient,
  prefix: string,
  publicUrl: () => string,
): AdminSessions {
  const key = (id: string) => adminSessionKey(prefix, createHash('sha256').update(id).digest('hex'));
  const idOf = (req: FastifyRequest): string | undefined => {
    const raw = req.cookies[SESSION_COOKIE];
    if (!raw) return undefined;
    const { valid, value } = req.unsignCookie(raw);
    return valid && value && SESSION_ID.test(value) ? value : undefined;
  };
  return {
    async start(req, reply) {
      const id = randomBytes(32).toString('base64url');
      await redis.set(key(id), new Date().toISOString(), 'EX', SESSION_HOURS * 3600);
      reply.setCookie(SESSION_COOKIE, id, {
        ...cookieOptions(req, publicUrl()),
        maxAge: SESSION_HOURS * 3600,
      });
    },
    async end(req, reply) {
      const id = idOf(req);
      if (id) await redis.del(key(id));
      reply.clearCookie(SESSION_COOKIE, cookieOptions(req, publicUrl()));
    },
    async has(req) {
      const id = idOf(req);
      return id !== undefined && (await redis.exists(key(id))) === 1;
    },
  };
}
