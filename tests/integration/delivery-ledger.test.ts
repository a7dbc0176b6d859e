/** The ledger's atomic steps on a real Redis: claims, outcomes, stale claims, rate limit, completion. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDeliveryLedger } from '../../src/delivery/redis-delivery-ledger.ts';
import type { Edition } from '../../src/domain/edition.ts';
import { createRedisEditionStore } from '../../src/editions/redis-edition-store.ts';
import { partitionOfId, subscriberKey } from '../../src/redis/key-layout.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix();
const ledger = createRedisDeliveryLedger(redis, prefix, { sendRatePerSecond: 0 });
const editions = createRedisEditionStore(redis, prefix);
const now = new Date('2026-11-23T08:00:00Z');

const edition = (id: string, recipients: number): Edition => ({
  id,
  publicationId: 'orbit-weekly',
  windowStart: '2026-11-15T23:00:00.000Z',
  windowEnd: '2026-11-22T23:00:00.000Z',
  sendDate: '2026-11-23',
  status: 'draft',
  pausedReason: undefined,
  articleIds: [],
  variantKeys: ['all'],
  recipientCount: recipients,
  builtAt: now.toISOString(),
});

async function freshEdition(id: string, ids: string[], status: 'active' | 'unsubscribed' = 'active') {
  for (const sid of ids) await redis.hset(subscriberKey(prefix, sid), 'status', status);
  await ledger.freeze(
    id,
    ids.map((subscriberId) => ({ subscriberId, variant: 0, state: 'pending' as const })),
    now,
  );
  await editions.create(edition(id, ids.length), []);
  await editions.transition(id, ['draft'], 'sending');
}

/** Ids named after `names`, all in partition 0. */
function onePartition(names: string[]): string[] {
  return names.map((name) => {
    for (let n = 0; ; n++) if (partitionOfId(`${name}${n}`) === 0) return `${name}${n}`;
  });
}

beforeAll(async () => {
  await redis.ping();
});
afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

describe('delivery ledger', () => {
  it('only one of many concurrent claims of a delivery wins', async () => {
    await freshEdition('2026-W40', ['s1']);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.claim('2026-W40', 's1', { jobId: `job${i}`, run: 'r' }, now),
      ),
    );
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    const counts = await ledger.counts('2026-W40');
    expect(counts.sending).toBe(1);
    expect(counts.pending).toBe(0);
  });

  it('only one claim wins across connections too (two worker processes)', async () => {
    await freshEdition('2026-W37', ['s1', 's2']);
    const other = testRedis();
    const otherLedger = createRedisDeliveryLedger(other, prefix, { sendRatePerSecond: 0 });
    try {
      const results = await Promise.all(
        ['s1', 's2', 's1', 's2'].flatMap((sid, i) => [
          ledger.claim('2026-W37', sid, { jobId: `a${i}`, run: 'r' }, now),
          otherLedger.claim('2026-W37', sid, { jobId: `b${i}`, run: 'r' }, now),
        ]),
      );
      expect(results.filter((r) => r === 'claimed')).toHaveLength(2);
      expect((await ledger.counts('2026-W37')).sending).toBe(2);
    } finally {
      other.disconnect();
    }
  });

  it('steps asked in the same turn share one round trip, run in order, each with its own answer', async () => {
    // A send job's recipients are of one partition (dispatch.ts): so are these.
    const [a, b, c, d] = onePartition(['a', 'b', 'c', 'd']) as [string, string, string, string];
    await freshEdition('2026-W36', [a, b, c, d]);
    await redis.hset(subscriberKey(prefix, d), 'status', 'unsubscribed');
    const own = testRedis();
    const ownLedger = createRedisDeliveryLedger(own, prefix, { sendRatePerSecond: 0 });
    const sent: string[] = [];
    const send = own.sendCommand.bind(own);
    own.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      sent.push(command.name);
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof own.sendCommand;
    try {
      await own.ping();
      sent.length = 0;
      const job = { jobId: 'j36', run: 'r' };
      const answers = await Promise.all([
        ownLedger.claim('2026-W36', a, job, now),
        ownLedger.claim('2026-W36', b, job, now),
        ownLedger.claim('2026-W36', a, { jobId: 'j99', run: 'r' }, now),
        ownLedger.claim('2026-W36', d, job, now),
      ]);
      expect(answers).toEqual(['claimed', 'claimed', 'sending@j36#r', 'skipped']);
      expect(sent.filter((n) => n === 'evalsha' || n === 'eval')).toHaveLength(1);
      // The counts are brought up to date once per call, and are exact when it returns.
      expect(await ownLedger.counts('2026-W36')).toMatchObject({ pending: 1, sending: 2, skipped: 1 });
      sent.length = 0;
      const [recA, recB] = await Promise.all([
        ownLedger.recordAndClaim('2026-W36', job, { subscriberId: a, outcome: 'sent' }, c, now),
        ownLedger.record('2026-W36', b, job, 'retry', { at: now.toISOString(), responseCode: 451 }),
      ]);
      expect(recA).toEqual({ recorded: 'ok', claimed: 'claimed' });
      expect(recB).toBe('ok');
      expect(sent.filter((n) => n === 'evalsha' || n === 'eval')).toHaveLength(1);
      expect(await ownLedger.stateOf('2026-W36', b)).toBe('retry');
      expect(await ownLedger.counts('2026-W36')).toMatchObject({
        pending: 0,
        sending: 1,
        sent: 1,
        retry: 1,
        skipped: 1,
      });
      expect(await ownLedger.attemptsOf('2026-W36', [b])).toEqual([1]);
      expect((await ownLedger.detailOf('2026-W36', b))?.responseCode).toBe(451);
    } finally {
      own.disconnect();
    }
  });

  it('records the outcome of its own claim only, and finishes the edition when nothing is open', async () => {
    await freshEdition('2026-W41', ['a', 'b']);
    const claim = { jobId: 'j', run: 'r1' };
    expect(await ledger.claim('2026-W41', 'a', claim, now)).toBe('claimed');
    expect(await ledger.record('2026-W41', 'a', { jobId: 'j', run: 'other' }, 'sent', undefined)).toBe(
      'stale',
    );
    expect(await ledger.record('2026-W41', 'a', claim, 'sent', undefined)).toBe('ok');
    expect((await editions.get('2026-W41'))?.status).toBe('sending');
    expect(await ledger.claim('2026-W41', 'b', claim, now)).toBe('claimed');
    expect(
      await ledger.record('2026-W41', 'b', claim, 'bounced', { at: now.toISOString(), responseCode: 550 }),
    ).toBe('ok');
    const e = await editions.get('2026-W41');
    expect(e?.status).toBe('sent');
    expect(e?.finishedAt).toBeTruthy();
    expect(await ledger.claim('2026-W41', 'a', claim, now)).toBe('sent');
  });

  it('records a lane’s previous recipient and claims its next in one call; the record stands whatever the claim says', async () => {
    await freshEdition('2026-W38', ['a', 'b', 'c']);
    const job = { jobId: 'j38', run: 'r' };
    expect(await ledger.claim('2026-W38', 'a', job, now)).toBe('claimed');
    const both = await ledger.recordAndClaim(
      '2026-W38',
      job,
      { subscriberId: 'a', outcome: 'sent' },
      'b',
      now,
    );
    expect(both).toEqual({ recorded: 'ok', claimed: 'claimed' });
    expect(await ledger.stateOf('2026-W38', 'a')).toBe('sent');
    expect(await ledger.stateOf('2026-W38', 'b')).toBe('sending@j38#r');
    // A paused edition refuses the claim, and the previous recipient is still recorded as sent.
    await editions.transition('2026-W38', ['sending'], 'paused', 'test');
    const paused = await ledger.recordAndClaim(
      '2026-W38',
      job,
      { subscriberId: 'b', outcome: 'sent' },
      'c',
      now,
    );
    expect(paused).toEqual({ recorded: 'ok', claimed: 'paused' });
    expect(await ledger.stateOf('2026-W38', 'b')).toBe('sent');
    expect(await ledger.stateOf('2026-W38', 'c')).toBe('pending');
    // Someone else's claim is never recorded over.
    await editions.transition('2026-W38', ['paused'], 'sending');
    expect(await ledger.claim('2026-W38', 'c', { jobId: 'other', run: 'r' }, now)).toBe('claimed');
    const stale = await ledger.recordAndClaim(
      '2026-W38',
      job,
      { subscriberId: 'c', outcome: 'sent' },
      'c',
      now,
    );
    expect(stale).toEqual({ recorded: 'stale', claimed: 'sending@other#r' });
    expect((await ledger.counts('2026-W38')).sent).toBe(2);
  });

  it('a call that fails fails each of its steps with the error, and the next call goes through', async () => {
    await freshEdition('2026-W35', ['a']);
    const job = { jobId: 'j35', run: 'r' };
    const [bad, good] = await Promise.allSettled([
      ledger.claim('2026-W35', 'a', job, new Date(Number.NaN)),
      ledger.claim('2026-W35', 'a', job, now),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good.status).toBe('rejected');
    expect(await ledger.stateOf('2026-W35', 'a')).toBe('pending');
    expect(await ledger.claim('2026-W35', 'a', job, now)).toBe('claimed');
  });

  it('skips a subscriber who is no longer active at claim time', async () => {
    await freshEdition('2026-W42', ['gone'], 'unsubscribed');
    expect(await ledger.claim('2026-W42', 'gone', { jobId: 'j', run: 'r' }, now)).toBe('skipped');
    expect((await ledger.counts('2026-W42')).skipped).toBe(1);
    expect((await ledger.detailOf('2026-W42', 'gone'))?.reason).toMatch(/unsubscribed/);
  });

  it("a later run of the same job marks its dead predecessor's claim uncertain, never resends", async () => {
    await freshEdition('2026-W43', ['x']);
    expect(await ledger.claim('2026-W43', 'x', { jobId: 'job-7', run: 'first' }, now)).toBe('claimed');
    // The first run died; the job is retried by BullMQ as a new run.
    expect(await ledger.claim('2026-W43', 'x', { jobId: 'job-7', run: 'second' }, now)).toBe('uncertain');
    expect(await ledger.stateOf('2026-W43', 'x')).toBe('uncertain');
    // A claim of another job is left alone.
    await freshEdition('2026-W44', ['y']);
    await ledger.claim('2026-W44', 'y', { jobId: 'job-1', run: 'a' }, now);
    expect(await ledger.claim('2026-W44', 'y', { jobId: 'job-2', run: 'b' }, now)).toMatch(
      /^sending@job-1#a$/,
    );
  });

  it('expires stale claims to uncertain, and pause/cancel stop claims', async () => {
    await freshEdition('2026-W45', ['p', 'q', 'r']);
    await ledger.claim('2026-W45', 'p', { jobId: 'j', run: 'r' }, now);
    const later = new Date(now.getTime() + 10 * 60_000);
    expect(await ledger.expireClaims('2026-W45', 5 * 60_000, later)).toBe(1);
    expect(await ledger.stateOf('2026-W45', 'p')).toBe('uncertain');
    await editions.transition('2026-W45', ['sending'], 'paused', 'test');
    expect(await ledger.claim('2026-W45', 'q', { jobId: 'j', run: 'r' }, now)).toBe('paused');
    await editions.transition('2026-W45', ['paused'], 'cancelled');
    expect(await ledger.claim('2026-W45', 'q', { jobId: 'j', run: 'r' }, now)).toBe('cancelled');
    expect(await ledger.transitionAll('2026-W45', 'pending', 'cancelled', now)).toBe(1);
    const c = await ledger.counts('2026-W45');
    expect(c).toMatchObject({ uncertain: 1, cancelled: 2, pending: 0 });
  });

  it('enforces the global send rate per second across claims', async () => {
    const limited = createRedisDeliveryLedger(redis, `${prefix}r`, { sendRatePerSecond: 3 });
    const ids = ['1', '2', '3', '4', '5'];
    for (const sid of ids) await redis.hset(subscriberKey(`${prefix}r`, sid), 'status', 'active');
    await limited.freeze(
      '2026-W46',
      ids.map((subscriberId) => ({ subscriberId, variant: 0, state: 'pending' as const })),
      now,
    );
    await createRedisEditionStore(redis, `${prefix}r`).create(edition('2026-W46', 5), []);
    await createRedisEditionStore(redis, `${prefix}r`).transition('2026-W46', ['draft'], 'sending');
    const at = new Date('2026-11-23T08:00:00.100Z');
    const results = [];
    for (const sid of ids) results.push(await limited.claim('2026-W46', sid, { jobId: 'j', run: 'r' }, at));
    expect(results).toEqual(['claimed', 'claimed', 'claimed', 'ratelimited', 'ratelimited']);
    const nextSecond = new Date('2026-11-23T08:00:01.000Z');
    expect(await limited.claim('2026-W46', '4', { jobId: 'j', run: 'r' }, nextSecond)).toBe('claimed');
    await cleanupPrefix(redis, `${prefix}r`);
  });
});
