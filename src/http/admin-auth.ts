/**
 * Bearer-token check for `/api/*`, `/metrics` and the dashboard login: constant-time comparison of
 * SHA-256 digests, so neither the token's content nor its length leaks through timing; and a limit on
 * wrong guesses per client address.
 *
 * The limit counts failures only and never blocks the right token (issue 18 #5): behind a local
 * reverse proxy without TRUST_PROXY every client is 127.0.0.1, so a limit on the address alone let
 * anyone lock the operator out with ten wrong guesses. A blocked address's wrong guesses get 429
 * instead of 401, so the limit still keeps failed attempts cheap and visible; what makes guessing
 * hopeless is the token itself (ADMIN_TOKEN and METRICS_TOKEN need 16+ characters: 62^16 > 10^28).
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

/**
 * The right token passes; a wrong one is counted. 'blocked' after `max` wrong ones from the address
 * in the window (the caller answers 429 with Retry-After), else 'wrong'.
 */
export function checkToken(
  given: string | undefined,
  expected: string,
  address: string,
  limiter: FailedAuthLimiter = sharedLimiter,
): { ok: true } | { ok: false; retryAfterMs: number } {
  if (tokenMatches(given, expected)) return { ok: true };
  const wait = limiter.blockedFor(address);
  if (wait === 0) limiter.fail(address);
  return { ok: false, retryAfterMs: wait };
}

/** A Fastify onRequest hook: 401 unless `Authorization: Bearer <token>`; wrong guesses past the limit get 429. */
export function requireBearer(expected: () => string, limiter: FailedAuthLimiter = sharedLimiter) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const checked = checkToken(token, expected(), req.ip, limiter);
    if (checked.ok) return;
    if (checked.retryAfterMs > 0) {
      return reply
        .code(429)
        .header('Retry-After', String(Math.ceil(checked.retryAfterMs / 1000)))
        .send({ error: 'Too many failed attempts; try again later' });
    }
    return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'Unauthorized' });
  };
}
