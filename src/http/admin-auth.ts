/**
 * Bearer-token check for `/api/*` (and the dashboard login): constant-time comparison of SHA-256
 * digests, so neither the token's content nor its length leaks through timing; and a limit on wrong
 * guesses per client address, so the token cannot be brute-forced at full speed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Wrong guesses per address in a sliding window, per process (several processes each keep their own
 * count: the limit multiplies by their number, which still makes guessing a 16+ character token hopeless).
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 10,
    private readonly windowMs = 60_000,
  ) {}

  /** Milliseconds until the address may try again; 0 when it may now. */
  blockedFor(address: string, now = Date.now()): number {
    const recent = (this.failures.get(address) ?? []).filter((t) => now - t < this.windowMs);
    this.failures.set(address, recent);
    if (recent.length === 0) this.failures.delete(address);
    return recent.length >= this.max ? this.windowMs - (now - recent[0]!) : 0;
  }

  fail(address: string, now = Date.now()): void {
    const list = this.failures.get(address) ?? [];
    list.push(now);
    this.failures.set(address, list);
    // Bound the memory an attacker with many addresses can take.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }
}

const sharedLimiter = new FailedAuthLimiter();

/** A Fastify onRequest hook: 401 unless `Authorization: Bearer <ADMIN_TOKEN>`; 429 after 10 wrong guesses a minute. */
export function requireBearer(expected: () => string, limiter: FailedAuthLimiter = sharedLimiter) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const wait = limiter.blockedFor(req.ip);
    if (wait > 0) {
      return reply
        .code(429)
        .header('Retry-After', String(Math.ceil(wait / 1000)))
        .send({ error: 'Too many failed attempts; try again later' });
    }
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!tokenMatches(token, expected())) {
      limiter.fail(req.ip);
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'Unauthorized' });
    }
  };
}
