/**
 * The key layout's promises for Redis Cluster, checked with the slot function ioredis itself uses:
 * each script's keys share a slot, and the partitions spread evenly over 3-10 masters.
 */
import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import {
  articleKeys,
  editionKeys,
  ledgerKeys,
  PARTITIONS,
  partitionOfEmail,
  partitionOfId,
  partitionTag,
  sourceKeys,
  subscriberKeys,
} from '../../src/redis/key-layout.ts';
import { newSubscriberId } from '../../src/subscribers/redis-subscriber-store.ts';

const slotsOf = (keys: string[]) => new Set(keys.map((k) => calculateSlot(k)));

/** The slot ranges `redis-cli --cluster create` gives N masters (clusterManagerCommandCreate). */
function createRanges(masters: number): Array<[number, number]> {
  const per = 16384 / masters;
  const out: Array<[number, number]> = [];
  let first = 0;
  let cursor = 0;
  for (let i = 0; i < masters; i++) {
    let last = Math.round(cursor + per - 1);
    if (last > 16384 || i === masters - 1) last = 16383;
    if (last < first) last = first;
    out.push([first, last]);
    first = last + 1;
    cursor += per;
  }
  return out;
}

describe('key layout', () => {
  it('puts an edition’s own keys in the edition’s slot', () => {
    expect(slotsOf(Object.values(editionKeys('nd', '2026-W47'))).size).toBe(1);
    expect(editionKeys('nd', '2026-W47').edition).toBe('nd:{ed:2026-W47}:edition');
  });

  it('puts a partition’s subscribers, indexes and ledger of every edition in one slot', () => {
    const s = subscriberKeys('nd');
    const id = newSubscriberId('reader@example.com');
    const p = partitionOfId(id);
    expect(p).toBe(partitionOfEmail('reader@example.com'));
    const keys = [
      s.sub(id),
      s.history(id),
      s.softBounces(id),
      s.status(p, 'active'),
      s.emailIndex(p),
      s.suppressed(p),
      ...Object.values(ledgerKeys('nd', '2026-W47', p)),
      ...Object.values(ledgerKeys('nd', '2026-W48', p)),
    ];
    expect(slotsOf(keys)).toEqual(new Set([calculateSlot(partitionTag(p))]));
  });

  it('keeps articles and sources each in one slot', () => {
    const a = articleKeys('nd');
    expect(slotsOf([a.doc('x'), a.doc('y'), a.published, ...a.indexes]).size).toBe(1);
    const src = sourceKeys('nd');
    expect(slotsOf([src.source('x'), src.index, src.seeded]).size).toBe(1);
  });

  it('spreads the partitions evenly over the masters of a 3 to 10 master cluster', () => {
    const slots = Array.from({ length: PARTITIONS }, (_, p) => calculateSlot(partitionTag(p)));
    expect(new Set(slots).size).toBe(PARTITIONS);
    const spread: Record<number, number[]> = {};
    for (let masters = 3; masters <= 10; masters++) {
      const shares = createRanges(masters).map(([lo, hi]) => slots.filter((s) => s >= lo && s <= hi).length);
      spread[masters] = shares;
      expect(shares.reduce((a, b) => a + b, 0)).toBe(PARTITIONS);
      // Within one partition of the nearest whole share (at most 6% off an equal share).
      for (const n of shares) {
        expect(n).toBeGreaterThanOrEqual(Math.floor(PARTITIONS / masters) - 1);
        expect(n).toBeLessThanOrEqual(Math.ceil(PARTITIONS / masters) + 1);
      }
    }
    // The figures docs/architecture.md quotes.
    expect(spread[3]).toEqual([40, 40, 40]);
    expect(spread[7]).toEqual([17, 18, 16, 17, 18, 17, 17]);
    expect(spread[10]).toEqual(Array(10).fill(12));
  });

  it('spreads subscribers evenly over the partitions', () => {
    const counts = new Array(PARTITIONS).fill(0);
    for (let i = 0; i < 120_000; i++) counts[partitionOfId(`subscriber-${i}`)]++;
    // 1000 expected each; 5 standard deviations either side.
    expect(Math.min(...counts)).toBeGreaterThan(840);
    expect(Math.max(...counts)).toBeLessThan(1160);
  });
});
