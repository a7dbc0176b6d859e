/**
 * SendTimeline on Redis: per edition a hash `minute|outcome → n` and a hash `outcome|code → n`, under
 * the edition's hash tag (same Cluster slot as its ledger). Counts are buffered per process and added
 * with HINCRBY about once a second, so increments from many workers simply add up.
 */

import { editionKeys } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import type { MinuteCount, ReplyCount, SendTimeline } from './send-timeline.ts';

const FLUSH_MS = 1000;
/** Kept long enough for a quarter's dashboards; the ledger itself is the long-term record. */
const TTL_SECONDS = 90 * 86_400;

export const timelineKeys = (prefix: string, editionId: string) => {
  const k = editionKeys(prefix, editionId);
  return { minutes: k.timeline, replies: k.replies };
};

export function createRedisSendTimeline(redis: RedisClient, prefix: string): SendTimeline {
  // edition → key → field → increment, waiting for the next flush. Kept per edition because each
  // edition's keys share one hash slot, and a pipeline on Redis Cluster must stay on one slot.
  let pending = new Map<string, Map<string, Map<string, number>>>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const add = (editionId: string, key: string, field: string) => {
    const keys = pending.get(editionId) ?? new Map<string, Map<string, number>>();
    pending.set(editionId, keys);
    const fields = keys.get(key) ?? new Map<string, number>();
    keys.set(key, fields);
    fields.set(field, (fields.get(field) ?? 0) + 1);
  };

  const write = async () => {
    const batch = pending;
    pending = new Map();
    await Promise.all(
      [...batch.values()].map((keys) => {
        const multi = redis.pipeline();
        for (const [key, fields] of keys) {
          for (const [field, n] of fields) multi.hincrby(key, field, n);
          multi.expire(key, TTL_SECONDS);
        }
        return multi.exec();
      }),
    );
  };

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    flushing = flushing.then(write, write);
    return flushing;
  };

  return {
    record(editionId, outcome, smtpCode, at) {
      const keys = timelineKeys(prefix, editionId);
      const minute = Math.floor(at.getTime() / 60_000) * 60_000;
      add(editionId, keys.minutes, `${minute}|${outcome}`);
      add(editionId, keys.replies, `${outcome}|${smtpCode ?? ''}`);
      // Metrics must never take a worker down: a failed write is dropped with its counts.
      timer ??= setTimeout(() => void flush().catch(() => {}), FLUSH_MS).unref();
    },
    flush,
    async perMinute(editionId) {
      const raw = await redis.hgetall(timelineKeys(prefix, editionId).minutes);
      const byMinute = new Map<number, MinuteCount>();
      for (const [field, n] of Object.entries(raw)) {
        const [m, outcome] = field.split('|');
        const minute = Number(m);
        const entry = byMinute.get(minute) ?? { minute, sent: 0, other: 0 };
        if (outcome === 'sent') entry.sent += Number(n);
        else entry.other += Number(n);
        byMinute.set(minute, entry);
      }
      return [...byMinute.values()].sort((a, b) => a.minute - b.minute);
    },
    async replies(editionId) {
      const raw = await redis.hgetall(timelineKeys(prefix, editionId).replies);
      return Object.entries(raw)
        .map(([field, n]): ReplyCount => {
          const [outcome, code] = field.split('|');
          return { outcome: outcome!, smtpCode: code ? Number(code) : undefined, count: Number(n) };
        })
        .sort((a, b) => b.count - a.count);
    },
  };
}
