/**
 * `digest migrate`: moves data of key layout 1 (one Redis, before the partitions) to today's layout
 * (redis/key-layout.ts). Every step is idempotent and reads what is still under the old names, so a
 * run killed at any point is finished by running it again, and a run on migrated data changes nothing.
 * While it runs the layout record says `migrating`, so no process starts on half-moved data.
 *
 * What moves: articles and sources (under their own tags), each subscriber's keys (RENAME), the
 * status sets, the email index and the suppression list (split by partition), and each edition's
 * per-subscriber hashes (split by partition; counts and feedback counts recomputed from the split
 * ledger and feedback entries; the status mirrors and build markers written). Edition records,
 * variants, articles, edits, the timeline, the edition index and single-key records keep their names.
 * A crashed build's staging ledger (`:next`) is dropped: the next build writes it again.
 */
import { MIRROR_STATUS } from '../delivery/ledger-scripts.ts';
import {
  articleKeys,
  editionIndexKey,
  editionKeys,
  LAYOUT_VERSION,
  layoutKey,
  ledgerKeys,
  legacyKeys,
  PARTITIONS,
  partitionOfEmail,
  partitionOfId,
  partitionOfSuppression,
  sourceKeys,
  subscriberKeys,
} from './key-layout.ts';
import { layoutState, writeLayout } from './layout-guard.ts';
import type { RedisClient } from './redis-client.ts';

export interface MigrationReport {
  /** `migrated`, `current` (nothing to do) or `fresh` (no data: today's layout recorded). */
  result: 'migrated' | 'current' | 'fresh';
  articles: number;
  sources: number;
  subscribers: number;
  editions: number;
  deliveries: number;
}

const PAGE = 1000;
const OPEN = ['pending', 'sending', 'retry'];

/** The state of a ledger entry without its claim owner (`sending@job#run` -> `sending`). */
const baseState = (s: string) => s.split('@')[0]!;
/** A glob that matches `text` literally (SCAN MATCH). */
const literal = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

async function scanKeys(redis: RedisClient, pattern: string, each: (key: string) => Promise<void>) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', PAGE);
    cursor = next;
    for (const key of keys) await each(key);
  } while (cursor !== '0');
}

/** RENAME when the old key is still there (a rerun finds it gone: moved already). */
async function move(redis: RedisClient, from: string, to: string): Promise<boolean> {
  if (from === to || !(await redis.exists(from))) return false;
  await redis.rename(from, to);
  return true;
}

/** Copies a hash's fields to the hash `target(field)` chooses, then deletes it. */
async function splitHash(redis: RedisClient, from: string, target: (field: string) => string) {
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(from, cursor, 'COUNT', PAGE);
    cursor = next;
    const byKey = new Map<string, string[]>();
    for (let i = 0; i < flat.length; i += 2) {
      const key = target(flat[i]!);
      const list = byKey.get(key) ?? [];
      list.push(flat[i]!, flat[i + 1]!);
      byKey.set(key, list);
    }
    for (const [key, fields] of byKey) await redis.hset(key, ...fields);
  } while (cursor !== '0');
  await redis.del(from);
}

/** Copies a set's members to the set `target(member)` chooses, then deletes it. */
async function splitSet(redis: RedisClient, from: string, target: (member: string) => string) {
  let cursor = '0';
  do {
    const [next, members] = await redis.sscan(from, cursor, 'COUNT', PAGE);
    cursor = next;
    const byKey = new Map<string, string[]>();
    for (const m of members) {
      const key = target(m);
      byKey.set(key, [...(byKey.get(key) ?? []), m]);
    }
    for (const [key, list] of byKey) await redis.sadd(key, ...list);
  } while (cursor !== '0');
  await redis.del(from);
}

/** Copies a sorted set's members (with scores) to the one `target(member)` chooses, then deletes it. */
async function splitSortedSet(redis: RedisClient, from: string, target: (member: string) => string) {
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(from, cursor, 'COUNT', PAGE);
    cursor = next;
    for (let i = 0; i < flat.length; i += 2) await redis.zadd(target(flat[i]!), flat[i + 1]!, flat[i]!);
  } while (cursor !== '0');
  await redis.del(from);
}

export async function migrateLayout(redis: RedisClient, prefix: string): Promise<MigrationReport> {
  const report: MigrationReport = {
    result: 'migrated',
    articles: 0,
    sources: 0,
    subscribers: 0,
    editions: 0,
    deliveries: 0,
  };
  const state = await layoutState(redis, prefix);
  if (state === 'current') return { ...report, result: 'current' };
  if (state === 'fresh') {
    await writeLayout(redis, prefix);
    return { ...report, result: 'fresh' };
  }
  // Layout 1 never ran on Redis Cluster (nothing did): its data is on one Redis, migrated there.
  if ('isCluster' in redis && redis.isCluster)
    throw new Error(
      'digest migrate moves layout-1 data on one Redis; migrate there, then copy the data to the cluster',
    );
  if (state === 'other') {
    const h = await redis.hgetall(layoutKey(prefix));
    throw new Error(
      `the data under REDIS_PREFIX=${prefix} has key layout ${h.version} with ${h.partitions} partitions; this version migrates layout 1 only`,
    );
  }
  // From here on no process starts on this data until the layout record says done.
  await redis.hset(layoutKey(prefix), 'migrating', String(LAYOUT_VERSION));
  const old = legacyKeys(prefix);
  const p = `${literal(prefix)}:`;

  // Articles and sources: under their tags, same shapes.
  const articles = articleKeys(prefix);
  await scanKeys(redis, `${p}article:*`, async (key) => {
    if (await move(redis, key, articles.doc(key.slice(`${prefix}:article:`.length)))) report.articles++;
  });
  await move(redis, old.articlesPublished, articles.published);
  for (const [i, key] of old.articleIndexes.entries()) await move(redis, key, articles.indexes[i]!);
  const sources = sourceKeys(prefix);
  await scanKeys(redis, `${p}source:*`, async (key) => {
    if (await move(redis, key, sources.source(key.slice(`${prefix}:source:`.length)))) report.sources++;
  });
  await move(redis, old.sources, sources.index);
  await move(redis, old.sourcesSeeded, sources.seeded);
  await move(redis, old.sourcesRemovedFromFile, sources.removedFromFile);

  // Subscribers: each one's keys to its partition; the sets and the index split by partition.
  const subs = subscriberKeys(prefix);
  const subKey = /^sub:([A-Za-z0-9_-]{16})(:history|:soft-bounces)?$/;
  await scanKeys(redis, `${p}sub:*`, async (key) => {
    const m = subKey.exec(key.slice(prefix.length + 1));
    if (!m) return;
    const id = m[1]!;
    const to = m[2] === ':history' ? subs.history(id) : m[2] ? subs.softBounces(id) : subs.sub(id);
    if ((await move(redis, key, to)) && !m[2]) report.subscribers++;
  });
  await scanKeys(redis, `${p}subs:status:*`, async (key) => {
    const status = key.slice(`${prefix}:subs:status:`.length);
    await splitSet(redis, key, (id) => subs.status(partitionOfId(id), status));
  });
  await splitHash(redis, old.emailIndex, (email) => subs.emailIndex(partitionOfEmail(email)));
  await splitSet(redis, old.suppressed, (hash) => subs.suppressed(partitionOfSuppression(hash)));
  await splitSet(redis, old.forgotten, (hash) => subs.forgotten(partitionOfSuppression(hash)));

  // Editions: every edition that has a ledger under the old names (indexed or not).
  const ids = new Set(await redis.zrange(editionIndexKey(prefix), '0', '-1'));
  await scanKeys(redis, `${p}{ed:*}:ledger`, async (key) => {
    ids.add(key.slice(`${prefix}:{ed:`.length, -'}:ledger'.length));
  });
  for (const id of ids) {
    report.deliveries += await migrateEdition(redis, prefix, id);
    report.editions++;
  }

  await writeLayout(redis, prefix);
  await redis.hdel(layoutKey(prefix), 'migrating');
  return report;
}

/**
 * One edition: its per-subscriber hashes split by partition, counts recomputed from the split ledger,
 * feedback counts from the split feedback entries, mirrors and build markers written (all of which
 * a rerun computes again, the same). Returns how many deliveries moved.
 */
async function migrateEdition(redis: RedisClient, prefix: string, id: string): Promise<number> {
  const old = legacyKeys(prefix).ledger(id);
  const oldLedgerThere = (await redis.exists(old.ledger)) === 1;
  const part = (p: number) => ledgerKeys(prefix, id, p);
  let moved = 0;
  if (oldLedgerThere) {
    moved = await redis.hlen(old.ledger);
    // The other hashes first, the ledger last: while the old ledger exists, the edition is unmoved.
    const bySid = (name: 'detail' | 'attempts' | 'variantOf') => (sid: string) =>
      part(partitionOfId(sid))[name];
    await splitHash(redis, old.detail, bySid('detail'));
    await splitHash(redis, old.attempts, bySid('attempts'));
    await splitHash(redis, old.variantOf, bySid('variantOf'));
    await splitHash(redis, old.feedbackOf, (field) => part(partitionOfId(field.split('|')[0]!)).feedbackOf);
    await splitSortedSet(redis, old.claims, (sid) => part(partitionOfId(sid)).claims);
    await splitHash(redis, old.ledger, (sid) => part(partitionOfId(sid)).ledger);
  }
  // Counts and feedback counts from what the partitions now hold (a rerun recomputes the same).
  const ek = editionKeys(prefix, id).edition;
  const edition = await redis.hgetall(ek);
  const build = edition.data
    ? String((JSON.parse(edition.data) as { generation?: number }).generation ?? 1)
    : '1';
  for (let q = 0; q < PARTITIONS; q++) {
    const k = part(q);
    const ledger = await redis.hgetall(k.ledger);
    const counts: Record<string, number> = {};
    for (const st of Object.values(ledger)) counts[baseState(st)] = (counts[baseState(st)] ?? 0) + 1;
    const feedback: Record<string, number> = {};
    for (const [field, json] of Object.entries(await redis.hgetall(k.feedbackOf))) {
      const kind = field.split('|')[1]!;
      feedback[kind] = (feedback[kind] ?? 0) + 1;
      if ((JSON.parse(json) as { state?: string }).state === 'sent')
        feedback[`${kind}-after-sent`] = (feedback[`${kind}-after-sent`] ?? 0) + 1;
    }
    const tx = redis.multi().del(k.counts, k.feedback);
    if (Object.keys(counts).length) tx.hset(k.counts, ...Object.entries(counts).flat().map(String));
    for (const st of OPEN)
      if (Object.keys(counts).length && counts[st] === undefined) tx.hset(k.counts, st, '0');
    if (Object.keys(feedback).length) tx.hset(k.feedback, ...Object.entries(feedback).flat().map(String));
    tx.set(k.build, build);
    await tx.exec();
  }
  // The edition's status into every partition's mirror (statusRev 1 unless it has one).
  if (edition.status) {
    await redis.hsetnx(ek, 'statusRev', '1');
    const rev = (await redis.hget(ek, 'statusRev')) ?? '1';
    const status = edition.status === 'built' || edition.status === 'ready' ? 'draft' : edition.status;
    for (let q = 0; q < PARTITIONS; q++) await redis.eval(MIRROR_STATUS, 1, part(q).status, rev, status);
  }
  // Old counts, feedback counts and a crashed build's staging keys: recomputed above, or rewritten.
  await redis.del(
    old.counts,
    old.feedback,
    `${old.ledger}:next`,
    `${old.counts}:next`,
    `${old.detail}:next`,
    `${old.variantOf}:next`,
  );
  return moved;
}
