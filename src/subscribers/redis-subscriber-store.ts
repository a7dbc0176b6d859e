/**
 * SubscriberStore on Redis, the system of record. Keys (P = prefix), relied on by the delivery
 * engine's Lua claim:
 *   P:sub:<id>             HASH, `status` plain; topics/consent JSON; `rev` counts changes
 *   P:subs:status:<status> SET of ids, moved in the same script as every status change
 *   P:sub:email            HASH normalised email -> id
 *   P:suppressed           SET of sha256(normalised email) hex: bounced, complained, imported as
 *                          unsubscribed: never stored or mailed again
 *   P:forgotten            SET of sha256(normalised email) hex of erased people: never stored by an
 *                          operator, but the person may sign up again and is out of it once confirmed
 *   P:sub:<id>:history     LIST of JSON history entries, append-only (RPUSH)
 *   P:sub:<id>:soft-bounces ZSET event id -> time (ms) of the soft bounces within the policy's window
 * Each change is one Lua script (atomic: the hash, the status sets, the suppression set and the history
 * move together or not at all). Updates are compare-and-set on `rev`, retried on a concurrent change,
 * so the history's before/after values are exact.
 */
import { randomBytes } from 'node:crypto';
import {
  type ChangeOrigin,
  type HistoryEntry,
  SUBSCRIBER_STATUSES,
  type Subscriber,
  type SubscriberStatus,
} from '../domain/subscriber.ts';
import { subscriberKeys } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import { normaliseEmail, suppressionHash } from './normalise-email.ts';
import {
  type CreateResult,
  type NewSubscriber,
  SubscriberNotFoundError,
  type SubscriberPatch,
  type SubscriberStore,
  SuppressedAddressError,
} from './subscriber-store.ts';

// KEYS: emailIndex, sub, statusSet, history, suppressed, forgotten.
// ARGV: email, id, historyJson, suppress, hash, ownRequest, field/value...
const CREATE_LUA = `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then return {existing, 0} end
if redis.call('SISMEMBER', KEYS[5], ARGV[5]) == 1 then return {'', -1} end
if ARGV[6] ~= '1' and redis.call('SISMEMBER', KEYS[6], ARGV[5]) == 1 then return {'', -1} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 7))
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('RPUSH', KEYS[4], ARGV[3])
if ARGV[4] == '1' then redis.call('SADD', KEYS[5], ARGV[5]) end
return {ARGV[2], 1}
`;

// KEYS: sub, history, oldStatusSet, newStatusSet, suppressed, forgotten.
// ARGV: rev, id, historyJson, suppress, hash, active, field/value...
const UPDATE_LUA = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return -1 end
if rev ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('HINCRBY', KEYS[1], 'rev', 1)
if KEYS[3] ~= KEYS[4] then
  redis.call('SREM', KEYS[3], ARGV[2])
  redis.call('SADD', KEYS[4], ARGV[2])
end
redis.call('RPUSH', KEYS[2], ARGV[3])
if ARGV[4] == '1' then redis.call('SADD', KEYS[5], ARGV[5]) end
-- Active again (a forgotten person who signed up and confirmed): no longer a forgotten address.
if ARGV[6] == '1' then redis.call('SREM', KEYS[6], ARGV[5]) end
return 1
`;

// KEYS: sub, history, softBounces. ARGV: eventId, atMs, windowStartMs, historyJson, ttlSeconds.
const SOFT_BOUNCE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local added = redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[5])
if added == 1 then redis.call('RPUSH', KEYS[2], ARGV[4]) end
return redis.call('ZCARD', KEYS[3])
`;

/**
 * Some fields of many subscribers (KEYS: their hashes; ARGV: the field names), as one JSON document:
 * [[v1, v2, ...], ...] with `false` for a missing field. One reply string instead of a command and a
 * nested reply per subscriber: ioredis's decoding of those was most of the build's scan. Like the
 * ledger's claim it reads keys in many slots, so it needs a single Redis (docs/architecture.md).
 */
const PICK_LUA = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HMGET', key, unpack(ARGV)) end
return cjson.encode(out)
`;
/** Subscribers per PICK_LUA call: bounds how long one call holds Redis (about 5 µs each). */
const PICK_CHUNK = 500;

const SUPPRESSING: ReadonlySet<SubscriberStatus> = new Set(['bounced', 'complained']);
const MAX_CAS_ATTEMPTS = 20;

type ScriptResult = [string, number];
interface ScriptedRedis {
  ndSubCreate(...args: string[]): Promise<ScriptResult>;
  ndSubUpdate(...args: string[]): Promise<number>;
  ndSubPick(numKeys: number, ...args: string[]): Promise<string>;
  ndSubSoftBounce(...args: string[]): Promise<number>;
}

export const newSubscriberId = (): string => randomBytes(12).toString('base64url');

export function createRedisSubscriberStore(redis: RedisClient, prefix: string): SubscriberStore {
  // defineCommand sends EVALSHA and falls back to EVAL once per connection; names are ours alone.
  if (!('ndSubCreate' in redis)) {
    redis.defineCommand('ndSubCreate', { numberOfKeys: 6, lua: CREATE_LUA });
    redis.defineCommand('ndSubUpdate', { numberOfKeys: 6, lua: UPDATE_LUA });
    redis.defineCommand('ndSubPick', { lua: PICK_LUA });
    redis.defineCommand('ndSubSoftBounce', { numberOfKeys: 3, lua: SOFT_BOUNCE_LUA });
  }
  const scripted = redis as unknown as ScriptedRedis & RedisClient;
  const k = subscriberKeys(prefix);

  function createArgs(input: NewSubscriber, origin: ChangeOrigin, detail: string | undefined) {
    const email = normaliseEmail(input.email);
    if (!email) throw new Error(`not an email address: ${input.email}`);
    const now = new Date().toISOString();
    const id = newSubscriberId();
    const subscriber: Subscriber = {
      id,
      email,
      name: input.name ?? '',
      status: input.status ?? 'pending',
      topics: input.topics ?? [],
      frequency: 'weekly',
      pausedUntil: input.pausedUntil,
      format: input.format ?? 'html',
      timezone: input.timezone,
      hour: input.hour,
      locale: input.locale,
      consent: input.consent,
      createdAt: now,
      updatedAt: now,
    };
    const entry: HistoryEntry = {
      at: now,
      origin,
      event: 'created',
      changes: { status: [null, subscriber.status] },
      detail,
    };
    const suppress = input.suppress || SUPPRESSING.has(subscriber.status);
    const args = [
      k.emailIndex,
      k.sub(id),
      k.status(subscriber.status),
      k.history(id),
      k.suppressed,
      k.forgotten,
      email,
      id,
      JSON.stringify(entry),
      suppress ? '1' : '0',
      suppressionHash(email),
      input.ownRequest ? '1' : '0',
      ...encode(subscriber),
      'rev',
      '0',
    ];
    return { args, subscriber };
  }

  async function get(id: string): Promise<Subscriber | undefined> {
    if (!isId(id)) return undefined;
    return decode(await redis.hgetall(k.sub(id)));
  }

  async function getMany(ids: string[]): Promise<Array<Subscriber | undefined>> {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(k.sub(id));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value], i) => {
      if (err) throw err;
      return isId(ids[i]!) ? decode(value as Record<string, string>) : undefined;
    });
  }

  async function pick<K extends keyof Subscriber>(
    ids: string[],
    fields: readonly K[],
  ): Promise<Array<Pick<Subscriber, K | 'id'> | undefined>> {
    if (ids.length === 0) return [];
    // id, email and status first: a record without them does not exist (as in decode).
    const wanted = [...new Set<keyof Subscriber>(['id', 'email', 'status', ...fields])];
    const calls: Array<Promise<string>> = [];
    for (let i = 0; i < ids.length; i += PICK_CHUNK) {
      // An id that is not ours reads the (absent) key of a fixed bad id instead of another key.
      const keys = ids.slice(i, i + PICK_CHUNK).map((id) => k.sub(isId(id) ? id : 'not-an-id'));
      calls.push(scripted.ndSubPick(keys.length, ...keys, ...wanted));
    }
    const rows = (await Promise.all(calls)).flatMap(
      (json) => JSON.parse(json) as Array<Array<string | false>>,
    );
    return rows.map((raw, i) => {
      if (!isId(ids[i]!) || !raw[0] || !raw[1] || !raw[2]) return undefined;
      const s = {} as Record<keyof Subscriber, unknown>;
      wanted.forEach((f, j) => {
        const v = raw[j];
        s[f] = FIELDS[f](v === false || v === undefined ? undefined : v);
      });
      return s as Pick<Subscriber, K | 'id'>;
    });
  }

  async function update(
    id: string,
    patch: SubscriberPatch,
    origin: ChangeOrigin,
    event: string,
    detail?: string,
    suppress = false,
  ): Promise<Subscriber> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const raw = isId(id) ? await redis.hgetall(k.sub(id)) : {};
      const before = decode(raw);
      if (!before) throw new SubscriberNotFoundError(id);
      const changes = diff(before, patch);
      if (!changes && !suppress) return before;
      const now = new Date().toISOString();
      const after: Subscriber = { ...before, ...patch, updatedAt: now };
      const entry: HistoryEntry = { at: now, origin, event, changes, detail };
      const result = await scripted.ndSubUpdate(
        k.sub(id),
        k.history(id),
        k.status(before.status),
        k.status(after.status),
        k.suppressed,
        k.forgotten,
        raw.rev ?? '0',
        id,
        JSON.stringify(entry),
        suppress || SUPPRESSING.has(after.status) ? '1' : '0',
        suppressionHash(before.email),
        after.status === 'active' ? '1' : '0',
        ...encode(after),
      );
      if (result === 1) return after;
      if (result === -1) throw new SubscriberNotFoundError(id);
      // 0: changed by someone else since we read it; read again so before/after stay exact.
    }
    throw new Error(`subscriber ${id} kept changing; gave up after ${MAX_CAS_ATTEMPTS} attempts`);
  }

  async function markSuppressedStatus(
    id: string,
    status: 'bounced' | 'complained',
    origin: ChangeOrigin,
    detail: string,
  ) {
    try {
      await update(id, { status }, origin, status, detail, true);
    } catch (err) {
      if (!(err instanceof SubscriberNotFoundError)) throw err;
    }
  }

  return {
    async create(input, origin, detail) {
      const { args, subscriber } = createArgs(input, origin, detail);
      const [id, created] = await scripted.ndSubCreate(...args);
      if (created === -1) throw new SuppressedAddressError();
      if (created === 1) return { subscriber, created: true } satisfies CreateResult;
      const existing = await get(id);
      if (!existing) throw new Error(`subscriber ${id} vanished while being read`);
      return { subscriber: existing, created: false };
    },

    async createMany(inputs, origin, detail) {
      if (inputs.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const input of inputs) {
        const { args } = createArgs(input, origin, detail);
        (pipeline as unknown as ScriptedRedis).ndSubCreate(...args);
      }
      const results = (await pipeline.exec()) ?? [];
      return results.map(([err, value]) => {
        if (err) throw err;
        const [id, created] = value as ScriptResult;
        return { id: id || undefined, created: created === 1, suppressed: created === -1 };
      });
    },

    get,

    async getByEmail(email) {
      const normalised = normaliseEmail(email);
      if (!normalised) return undefined;
      const id = await redis.hget(k.emailIndex, normalised);
      return id ? get(id) : undefined;
    },

    getMany,
    pick,

    update: (id, patch, origin, event, detail) => update(id, patch, origin, event, detail),

    async unsubscribe(id, origin, detail) {
      const current = await get(id);
      if (!current) throw new SubscriberNotFoundError(id);
      if (current.status !== 'pending' && current.status !== 'active') return current;
      const after = await update(id, { status: 'unsubscribed' }, origin, 'unsubscribed', detail);
      return after;
    },

    markBounced: (id, detail) => markSuppressedStatus(id, 'bounced', 'bounce', detail),
    markComplained: (id, detail) => markSuppressedStatus(id, 'complained', 'complaint', detail),

    async recordSoftBounce(id, eventId, at, windowDays, detail) {
      if (!isId(id)) return 0;
      const entry: HistoryEntry = {
        at: at.toISOString(),
        origin: 'bounce',
        event: 'soft-bounce',
        changes: undefined,
        detail,
      };
      const windowMs = windowDays * 86_400_000;
      return scripted.ndSubSoftBounce(
        k.sub(id),
        k.history(id),
        k.softBounces(id),
        eventId,
        String(at.getTime()),
        String(at.getTime() - windowMs),
        JSON.stringify(entry),
        String(Math.ceil(windowMs / 1000) + 86_400),
      );
    },

    async isSuppressed(email) {
      const normalised = normaliseEmail(email);
      if (!normalised) return false;
      const hash = suppressionHash(normalised);
      const [suppressed, forgotten] = await Promise.all([
        redis.sismember(k.suppressed, hash),
        redis.sismember(k.forgotten, hash),
      ]);
      return suppressed === 1 || forgotten === 1;
    },

    async isForgotten(email) {
      const normalised = normaliseEmail(email);
      if (!normalised) return false;
      return (await redis.sismember(k.forgotten, suppressionHash(normalised))) === 1;
    },

    async areSuppressed(emails) {
      if (emails.length === 0) return [];
      const hashes = emails.map((e) => suppressionHash(e));
      // Both sets in one round trip (a pipeline): forgotten addresses are never mailed either.
      const replies =
        (await redis
          .pipeline()
          .smismember(k.suppressed, ...hashes)
          .smismember(k.forgotten, ...hashes)
          .exec()) ?? [];
      const [suppressed, forgotten] = replies.map(([err, value]) => {
        if (err) throw err;
        return value as number[];
      });
      return hashes.map((_, i) => suppressed![i] === 1 || forgotten![i] === 1);
    },

    async history(id) {
      if (!isId(id)) return [];
      const entries = await redis.lrange(k.history(id), 0, -1);
      return entries.map((e) => JSON.parse(e) as HistoryEntry);
    },

    async listByStatus(status, cursor, count) {
      const [next, ids] = await redis.sscan(k.status(status), cursor, 'COUNT', count);
      return { cursor: next, ids };
    },

    async search(query, limit) {
      const q = query.trim().toLowerCase();
      if (!q || limit <= 0) return [];
      const found = new Map<string, Subscriber>();
      const byId = isId(query.trim()) ? await get(query.trim()) : undefined;
      if (byId) found.set(byId.id, byId);
      const pattern = `*${q.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(k.emailIndex, cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        const ids = flat.filter((_, i) => i % 2 === 1).filter((id) => !found.has(id));
        const subs = await getMany(ids.slice(0, limit - found.size));
        for (const s of subs) if (s) found.set(s.id, s);
      } while (cursor !== '0' && found.size < limit);
      return [...found.values()].slice(0, limit);
    },

    async counts() {
      const pipeline = redis.pipeline();
      for (const s of SUBSCRIBER_STATUSES) pipeline.scard(k.status(s));
      const results = (await pipeline.exec()) ?? [];
      return Object.fromEntries(
        SUBSCRIBER_STATUSES.map((s, i) => [s, Number(results[i]?.[1] ?? 0)]),
      ) as Record<SubscriberStatus, number>;
    },

    async forgottenCount() {
      return redis.scard(k.forgotten);
    },

    async forget(id) {
      const current = await get(id);
      if (!current) return;
      const multi = redis.multi();
      // Apart from the suppression set: a bounced or complained address stays suppressed (it is
      // already there), while a forgotten person may sign up again and confirm (sign-up.ts).
      multi.sadd(k.forgotten, suppressionHash(current.email));
      multi.hdel(k.emailIndex, current.email);
      for (const s of SUBSCRIBER_STATUSES) multi.srem(k.status(s), id);
      multi.del(k.sub(id), k.history(id), k.softBounces(id));
      await multi.exec();
    },

    async scanIds(cursor, count) {
      const [next, flat] = await redis.hscan(k.emailIndex, cursor, 'COUNT', count);
      return { cursor: next, ids: flat.filter((_, i) => i % 2 === 1) };
    },
  };
}

// Ids are ours (base64url); anything else could address another key (`P:sub:email`).
function isId(id: string): boolean {
  return /^[A-Za-z0-9_-]{16}$/.test(id);
}

function encode(s: Subscriber): string[] {
  return [
    'id',
    s.id,
    'email',
    s.email,
    'name',
    s.name,
    'status',
    s.status,
    'topics',
    JSON.stringify(s.topics),
    'frequency',
    s.frequency,
    'pausedUntil',
    s.pausedUntil ?? '',
    'format',
    s.format,
    'timezone',
    s.timezone,
    'hour',
    String(s.hour),
    'locale',
    s.locale,
    'consent',
    s.consent ? JSON.stringify(s.consent) : '',
    'createdAt',
    s.createdAt,
    'updatedAt',
    s.updatedAt,
  ];
}

/** How each stored field reads back (a missing field gets the default a new subscriber has). */
const FIELDS: { [K in keyof Subscriber]: (raw: string | undefined) => Subscriber[K] } = {
  id: (v) => v ?? '',
  email: (v) => v ?? '',
  name: (v) => v ?? '',
  status: (v) => v as SubscriberStatus,
  topics: (v) => (v ? (JSON.parse(v) as string[]) : []),
  frequency: () => 'weekly',
  pausedUntil: (v) => v || undefined,
  format: (v) => (v === 'text' ? 'text' : 'html'),
  timezone: (v) => v ?? 'UTC',
  hour: (v) => Number(v ?? 8),
  // Empty: the publication's locale (subscribers stored before the language choice had its tag).
  locale: (v) => v ?? '',
  consent: (v) => (v ? (JSON.parse(v) as Subscriber['consent']) : undefined),
  createdAt: (v) => v ?? '',
  updatedAt: (v) => v ?? '',
};
const FIELD_NAMES = Object.keys(FIELDS) as Array<keyof Subscriber>;

function decode(h: Record<string, string>): Subscriber | undefined {
  if (!h.id || !h.email || !h.status) return undefined;
  const s = {} as Record<keyof Subscriber, unknown>;
  for (const f of FIELD_NAMES) s[f] = FIELDS[f](h[f]);
  return s as Subscriber;
}

/** field -> [before, after] for what the patch really changes; undefined when nothing does. */
function diff(before: Subscriber, patch: SubscriberPatch): Record<string, [unknown, unknown]> | undefined {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const [field, value] of Object.entries(patch)) {
    const old = before[field as keyof Subscriber];
    if (JSON.stringify(old ?? null) !== JSON.stringify(value ?? null))
      changes[field] = [old ?? null, value ?? null];
  }
  return Object.keys(changes).length ? changes : undefined;
}
