/**
 * SubscriberStore on Redis, the system of record. The keys (redis/key-layout.ts `subscriberKeys`) are
 * split into partitions by hash tag: a subscriber's hash, history and soft bounces, its partition's
 * status sets, and the email index, the suppression set (bounced, complained, imported as
 * unsubscribed: never stored or mailed again) and the forgotten set (erased people: never stored by an
 * operator, but the person may sign up again and is out of it once confirmed) of the addresses whose
 * partition (partitionOfEmail) it is. A new subscriber's id is drawn so that its partition is its
 * address's: then each change is one Lua script on one slot (the hash, the status sets, the
 * suppression set and the history move together or not at all). Ids from before the partitions
 * (`digest migrate`) may sit in another partition than their address: their suppression is written
 * first, on its own, and their leaving the forgotten set last, so a crash in between leaves the
 * address unmailable and the record unchanged, never the reverse. Updates are compare-and-set on
 * `rev`, retried on a concurrent change, so the history's before/after values are exact.
 */
import { randomBytes } from 'node:crypto';
import {
  type ChangeOrigin,
  type HistoryEntry,
  SUBSCRIBER_STATUSES,
  type Subscriber,
  type SubscriberStatus,
} from '../domain/subscriber.ts';
import {
  allPartitions,
  PARTITIONS,
  partitionOfEmail,
  partitionOfId,
  subscriberKeys,
} from '../redis/key-layout.ts';
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
 * Some fields of many subscribers of one partition (KEYS: their hashes; ARGV: the field names), as one
 * JSON document: [[v1, v2, ...], ...] with `false` for a missing field. One reply string instead of a
 * command and a nested reply per subscriber: ioredis's decoding of those was most of the build's scan.
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

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A new id (16 base64url characters) in the partition of the (normalised) address, so that creating
 * the subscriber is one script on one slot: 14 random characters (84 bits), then the first pair of
 * last two characters that puts the id in that partition (about PARTITIONS tries of partitionOfId).
 */
export function newSubscriberId(normalisedEmail?: string): string {
  const random = randomBytes(12).toString('base64url');
  if (normalisedEmail === undefined) return random;
  const want = partitionOfEmail(normalisedEmail);
  const head = random.slice(0, 14);
  for (const a of ID_CHARS)
    for (const b of ID_CHARS) if (partitionOfId(head + a + b) === want) return head + a + b;
  // 4096 pairs miss one of 120 partitions with a chance of about e^-34: draw again.
  return newSubscriberId(normalisedEmail);
}

/** Cursor of a walk over all partitions: `<partition>:<the partition's SCAN cursor>`; '0' at the end. */
function parseCursor(cursor: string): [number, string] {
  const m = /^(\d+):(\d+)$/.exec(cursor);
  if (!m) return [0, '0'];
  return [Math.min(Number(m[1]), PARTITIONS), m[2]!];
}
/** Walks partition after partition; a page comes from one partition and may be empty. */
async function scanPartitions(
  cursor: string,
  scan: (p: number, c: string) => Promise<[string, string[]]>,
): Promise<{ cursor: string; items: string[] }> {
  let [p, c] = parseCursor(cursor);
  while (p < PARTITIONS) {
    const [next, items] = await scan(p, c);
    const done = next === '0';
    const following = done ? (p + 1 < PARTITIONS ? `${p + 1}:0` : '0') : `${p}:${next}`;
    if (items.length || following === '0') return { cursor: following, items };
    [p, c] = [p + 1, '0'];
  }
  return { cursor: '0', items: [] };
}

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
    const id = newSubscriberId(email);
    const p = partitionOfEmail(email);
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
      k.emailIndex(p),
      k.sub(id),
      k.status(p, subscriber.status),
      k.history(id),
      k.suppressed(p),
      k.forgotten(p),
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
    // Concurrent commands, not a pipeline: on Redis Cluster the ids' slots are on several masters.
    const results = await Promise.all(ids.map((id) => redis.hgetall(k.sub(id))));
    return results.map((value, i) => (isId(ids[i]!) ? decode(value) : undefined));
  }

  async function pick<K extends keyof Subscriber>(
    ids: string[],
    fields: readonly K[],
  ): Promise<Array<Pick<Subscriber, K | 'id'> | undefined>> {
    if (ids.length === 0) return [];
    // id, email and status first: a record without them does not exist (as in decode).
    const wanted = [...new Set<keyof Subscriber>(['id', 'email', 'status', ...fields])];
    // One call per partition (and chunk): a send job's or a build page's ids are all of one.
    const byPartition = new Map<number, number[]>();
    ids.forEach((id, i) => {
      // An id that is not ours reads the (absent) key of a fixed bad id instead of another key.
      const p = partitionOfId(isId(id) ? id : 'not-an-id');
      const list = byPartition.get(p) ?? [];
      list.push(i);
      byPartition.set(p, list);
    });
    const calls: Array<Promise<void>> = [];
    const rows: Array<Array<string | false>> = new Array(ids.length);
    for (const positions of byPartition.values()) {
      for (let c = 0; c < positions.length; c += PICK_CHUNK) {
        const chunk = positions.slice(c, c + PICK_CHUNK);
        const keys = chunk.map((i) => k.sub(isId(ids[i]!) ? ids[i]! : 'not-an-id'));
        calls.push(
          scripted.ndSubPick(keys.length, ...keys, ...wanted).then((json) => {
            const got = JSON.parse(json) as Array<Array<string | false>>;
            chunk.forEach((i, j) => {
              rows[i] = got[j]!;
            });
          }),
        );
      }
    }
    await Promise.all(calls);
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
      const p = partitionOfId(id);
      const ep = partitionOfEmail(before.email);
      let suppressHere = suppress || SUPPRESSING.has(after.status);
      if (suppressHere && ep !== p) {
        // An id from before the partitions: the address's suppression lives in another slot. It goes
        // first, so that a crash in between leaves the address suppressed (never mailed) and the
        // record as it was, which the caller's retry then changes.
        await redis.sadd(k.suppressed(ep), suppressionHash(before.email));
        suppressHere = false;
      }
      const result = await scripted.ndSubUpdate(
        k.sub(id),
        k.history(id),
        k.status(p, before.status),
        k.status(p, after.status),
        k.suppressed(p),
        k.forgotten(p),
        raw.rev ?? '0',
        id,
        JSON.stringify(entry),
        suppressHere ? '1' : '0',
        suppressionHash(before.email),
        after.status === 'active' && ep === p ? '1' : '0',
        ...encode(after),
      );
      // Active again with the address in another slot: out of the forgotten set after the record (a
      // crash in between leaves the address unmailable, not a forgotten person mailed).
      if (result === 1 && after.status === 'active' && ep !== p)
        await redis.srem(k.forgotten(ep), suppressionHash(before.email));
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
      // Concurrent scripts, one slot each (a pipeline would need one master on Redis Cluster).
      const results = await Promise.all(
        inputs.map((input) => scripted.ndSubCreate(...createArgs(input, origin, detail).args)),
      );
      return results.map(([id, created]) => ({
        id: id || undefined,
        created: created === 1,
        suppressed: created === -1,
      }));
    },

    get,

    async getByEmail(email) {
      const normalised = normaliseEmail(email);
      if (!normalised) return undefined;
      const id = await redis.hget(k.emailIndex(partitionOfEmail(normalised)), normalised);
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
      const ep = partitionOfEmail(normalised);
      const [suppressed, forgotten] = await Promise.all([
        redis.sismember(k.suppressed(ep), hash),
        redis.sismember(k.forgotten(ep), hash),
      ]);
      return suppressed === 1 || forgotten === 1;
    },

    async isForgotten(email) {
      const normalised = normaliseEmail(email);
      if (!normalised) return false;
      return (
        (await redis.sismember(k.forgotten(partitionOfEmail(normalised)), suppressionHash(normalised))) === 1
      );
    },

    async areSuppressed(emails) {
      if (emails.length === 0) return [];
      const byPartition = new Map<number, number[]>();
      emails.forEach((e, i) => {
        const p = partitionOfEmail(e);
        const list = byPartition.get(p) ?? [];
        list.push(i);
        byPartition.set(p, list);
      });
      const out: boolean[] = new Array(emails.length).fill(false);
      // Per partition, both sets (forgotten addresses are never mailed either) in one MULTI on its slot.
      await Promise.all(
        [...byPartition].map(async ([p, positions]) => {
          const hashes = positions.map((i) => suppressionHash(emails[i]!));
          const replies =
            (await redis
              .multi()
              .smismember(k.suppressed(p), ...hashes)
              .smismember(k.forgotten(p), ...hashes)
              .exec()) ?? [];
          const [suppressed, forgotten] = replies.map(([err, value]) => {
            if (err) throw err;
            return value as number[];
          });
          positions.forEach((i, j) => {
            out[i] = suppressed![j] === 1 || forgotten![j] === 1;
          });
        }),
      );
      return out;
    },

    async history(id) {
      if (!isId(id)) return [];
      const entries = await redis.lrange(k.history(id), 0, -1);
      return entries.map((e) => JSON.parse(e) as HistoryEntry);
    },

    async listByStatus(status, cursor, count) {
      const page = await scanPartitions(cursor, (p, c) =>
        redis.sscan(k.status(p, status), c, 'COUNT', count),
      );
      return { cursor: page.cursor, ids: page.items };
    },

    async search(query, limit) {
      const q = query.trim().toLowerCase();
      if (!q || limit <= 0) return [];
      const found = new Map<string, Subscriber>();
      const byId = isId(query.trim()) ? await get(query.trim()) : undefined;
      if (byId) found.set(byId.id, byId);
      const pattern = `*${q.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
      let cursor = '0:0';
      do {
        const page = await scanPartitions(cursor, (p, c) =>
          redis.hscan(k.emailIndex(p), c, 'MATCH', pattern, 'COUNT', 1000),
        );
        cursor = page.cursor;
        const ids = page.items.filter((_, i) => i % 2 === 1).filter((id) => !found.has(id));
        const subs = await getMany(ids.slice(0, limit - found.size));
        for (const s of subs) if (s) found.set(s.id, s);
      } while (cursor !== '0' && found.size < limit);
      return [...found.values()].slice(0, limit);
    },

    async counts() {
      const results = await Promise.all(
        allPartitions().flatMap((p) => SUBSCRIBER_STATUSES.map((s) => redis.scard(k.status(p, s)))),
      );
      const out = Object.fromEntries(SUBSCRIBER_STATUSES.map((s) => [s, 0])) as Record<
        SubscriberStatus,
        number
      >;
      results.forEach((n, i) => {
        out[SUBSCRIBER_STATUSES[i % SUBSCRIBER_STATUSES.length]!] += n;
      });
      return out;
    },

    async forgottenCount() {
      const counts = await Promise.all(allPartitions().map((p) => redis.scard(k.forgotten(p))));
      return counts.reduce((a, b) => a + b, 0);
    },

    async forget(id) {
      const current = await get(id);
      if (!current) return;
      // The address's slot first (forgotten, out of the index), then the record's: a crash in between
      // leaves a forgotten address whose record is still there, which a second `forget` removes.
      const ep = partitionOfEmail(current.email);
      await redis
        .multi()
        .sadd(k.forgotten(ep), suppressionHash(current.email))
        .hdel(k.emailIndex(ep), current.email)
        .exec();
      const p = partitionOfId(id);
      const multi = redis.multi();
      // Apart from the suppression set: a bounced or complained address stays suppressed (it is
      // already there), while a forgotten person may sign up again and confirm (sign-up.ts).
      for (const s of SUBSCRIBER_STATUSES) multi.srem(k.status(p, s), id);
      multi.del(k.sub(id), k.history(id), k.softBounces(id));
      await multi.exec();
    },

    async scanIds(cursor, count) {
      const page = await scanPartitions(cursor, (p, c) => redis.hscan(k.emailIndex(p), c, 'COUNT', count));
      return { cursor: page.cursor, ids: page.items.filter((_, i) => i % 2 === 1) };
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
