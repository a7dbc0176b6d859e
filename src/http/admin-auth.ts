/**
 * Bearer-token check for `/api/*` (and the dashboard login): constant-time comparison of SHA-256
 * digests, so neither the token's content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** A Fastify onRequest hook: 401 unless `Authorization: Bearer <ADMIN_TOKEN>`. */
export function requireBearer(expected: () => string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!tokenMatches(token, expected())) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'Unauthorized' });
    }
  };
}
