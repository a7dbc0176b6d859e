/**
 * Articles in Redis. Keys under the prefix:
 *   article:{id}          the article (JSON)
 *   articles:published    sorted set of ids by publishedAt (ms), for edition windows
 *   articles:guid         hash "{sourceId}\n{guid}" → id   (guids are only unique within a feed)
 *   articles:url          hash canonical URL → id
 *   articles:hash         hash content hash → id
 * Finding an existing copy and inserting a new one happen in one Lua script, so two workers that
 * collect the same article at once still store it once: an article never appears twice in a digest.
 */

import type { Article } from '../domain/article.ts';
import { articleKeys } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import type { ArticleStore, UpsertOptions, UpsertOutcome } from './article-store.ts';

// KEYS: guidIdx, urlIdx, hashIdx, docPrefix-less doc key, published zset
// ARGV: guidField ('' = none), url, contentHash, id, json, score
const FIND_OR_INSERT = `
local id = false
if ARGV[1] ~= '' then id = redis.call('HGET', KEYS[1], ARGV[1]) end
if id then return {id, 0, 'guid'} end
id = redis.call('HGET', KEYS[2], ARGV[2])
if id then return {id, 0, 'url'} end
id = redis.call('HGET', KEYS[3], ARGV[3])
if id then return {id, 0, 'hash'} end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[4]) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
redis.call('SET', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[4])
return {ARGV[4], 1, ''}
`;

// KEYS: guidIdx, urlIdx, hashIdx, doc key, published zset
// ARGV: guidField, url, contentHash, id, json, score, oldUrl, oldHash
const UPDATE = `
redis.call('SET', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[4])
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[4]) end
if ARGV[7] ~= ARGV[2] and redis.call('HGET', KEYS[2], ARGV[7]) == ARGV[4] then redis.call('HDEL', KEYS[2], ARGV[7]) end
if ARGV[8] ~= ARGV[3] and redis.call('HGET', KEYS[3], ARGV[8]) == ARGV[4] then redis.call('HDEL', KEYS[3], ARGV[8]) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
return 1
`;

type ScriptArgs = [string, string, string, string, string, string, string, string, string, string, string];

interface ArticleScripts {
  ndArticleFindOrInsert(...args: ScriptArgs): Promise<[string, number, '' | 'guid' | 'url' | 'hash']>;
  ndArticleUpdate(...args: [...ScriptArgs, string, string]): Promise<number>;
}

/** Fields whose change makes an article "updated" (timestamps of our own do not count). */
const COMPARED: Array<keyof Article> = [
  'guid',
  'url',
  'title',
  'author',
  'publishedAt',
  'summary',
  'brief',
  'imageUrl',
  'imageAlt',
  'topics',
  'readingMinutes',
  'contentHash',
];

export function createRedisArticleStore(redis: RedisClient, prefix: string): ArticleStore {
  if (!('ndArticleFindOrInsert' in redis)) {
    redis.defineCommand('ndArticleFindOrInsert', { numberOfKeys: 5, lua: FIND_OR_INSERT });
    redis.defineCommand('ndArticleUpdate', { numberOfKeys: 5, lua: UPDATE });
  }
  const scripts = redis as unknown as ArticleScripts;
  const ak = articleKeys(prefix);
  const docKey = ak.doc;
  const publishedKey = ak.published;
  const indexKeys = ak.indexes;

  const get = async (id: string): Promise<Article | undefined> => {
    const json = await redis.get(docKey(id));
    return json ? (JSON.parse(json) as Article) : undefined;
  };
  const getMany = async (ids: string[]): Promise<Article[]> => {
    if (ids.length === 0) return [];
    const docs = await redis.mget(ids.map(docKey));
    return docs.filter((d): d is string => d !== null).map((d) => JSON.parse(d) as Article);
  };

  return {
    async upsert(article: Article, options: UpsertOptions = {}): Promise<UpsertOutcome> {
      const guidField = article.guid ? `${article.sourceId}\n${article.guid}` : '';
      const score = String(Date.parse(article.publishedAt));
      const [id, inserted, matchedBy] = await scripts.ndArticleFindOrInsert(
        ...indexKeys,
        docKey(article.id),
        publishedKey,
        guidField,
        article.url,
        article.contentHash,
        article.id,
        JSON.stringify(article),
        score,
      );
      if (inserted === 1) return 'new';
      // Same text under another guid and URL (a mirror, a second feed): a duplicate, not an update.
      if (matchedBy === 'hash') return 'unchanged';

      const old = await get(id);
      const merged: Article = {
        ...article,
        id,
        sourceId: old?.sourceId ?? article.sourceId,
        guid: article.guid ?? old?.guid,
        firstSeenAt: old?.firstSeenAt ?? article.firstSeenAt,
        publishedAt: options.keepPublishedAt && old ? old.publishedAt : article.publishedAt,
      };
      if (old && COMPARED.every((k) => JSON.stringify(old[k]) === JSON.stringify(merged[k]))) {
        return 'unchanged';
      }
      await scripts.ndArticleUpdate(
        ...indexKeys,
        docKey(id),
        publishedKey,
        guidField,
        merged.url,
        merged.contentHash,
        id,
        JSON.stringify(merged),
        String(Date.parse(merged.publishedAt)),
        old?.url ?? merged.url,
        old?.contentHash ?? merged.contentHash,
      );
      return 'updated';
    },
    get,
    getMany,
    async listInWindow(start, end) {
      // "(" makes the end exclusive: [start, end).
      const ids = await redis.zrangebyscore(publishedKey, String(start.getTime()), `(${end.getTime()}`);
      return getMany(ids.reverse());
    },
    async listRecent(limit) {
      const ids = await redis.zrevrange(publishedKey, '0', String(Math.max(0, limit - 1)));
      return getMany(ids);
    },
  };
}
