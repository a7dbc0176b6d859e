/**
 * One publication per data dir. The data (the embedded Redis under DATA_DIR, or REDIS_URL under
 * REDIS_PREFIX) records which publication it belongs to; a process started with another
 * publication file refuses in one line instead of mixing two publications (the demo's subscribers,
 * sources and editions under a new brand). `digest publication adopt` moves the data on purpose
 * (adopt-publication.ts).
 */

import type { Publication } from '../domain/publication.ts';
import type { EditionStore } from '../editions/edition-store.ts';
import { publicationKeys } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';

export interface DataOwner {
  id: string;
  name: string;
  /** The bundled sample (the demo): its sample data is what `adopt` drops. */
  sample: boolean;
  since: string;
}

export type OwnerCheck =
  | { ok: true; owner: DataOwner; claimed: boolean }
  | { ok: false; owner: DataOwner; inferred: boolean };

export async function readDataOwner(redis: RedisClient, prefix: string): Promise<DataOwner | undefined> {
  const json = await redis.get(publicationKeys(prefix).owner);
  return json ? (JSON.parse(json) as DataOwner) : undefined;
}

export async function writeDataOwner(redis: RedisClient, prefix: string, owner: DataOwner): Promise<void> {
  await redis.set(publicationKeys(prefix).owner, JSON.stringify(owner));
}

/**
 * Compares the data's owner with `publication`. Data with no owner record is claimed by the first
 * publication that meets it (SET NX, so two processes cannot both claim it), unless editions of
 * another publication are already there: data written before owners were recorded (the demo's
 * edition under a new PUBLICATION_FILE) counts as that publication's.
 */
export async function checkDataOwner(
  redis: RedisClient,
  prefix: string,
  editions: EditionStore,
  publication: Pick<Publication, 'id' | 'name'>,
  sample: boolean,
  now: Date,
): Promise<OwnerCheck> {
  let owner = await readDataOwner(redis, prefix);
  if (!owner) {
    const foreign = (await editions.list(100)).find((e) => e.publicationId !== publication.id);
    if (foreign)
      return {
        ok: false,
        inferred: true,
        owner: {
          id: foreign.publicationId,
          name: foreign.publicationId,
          sample: false,
          since: foreign.builtAt,
        },
      };
    const mine: DataOwner = { id: publication.id, name: publication.name, sample, since: now.toISOString() };
    const set = await redis.set(publicationKeys(prefix).owner, JSON.stringify(mine), 'NX');
    if (set === 'OK') return { ok: true, owner: mine, claimed: true };
    owner = (await readDataOwner(redis, prefix))!;
  }
  if (owner.id !== publication.id) return { ok: false, owner, inferred: false };
  return { ok: true, owner, claimed: false };
}

/** The refusal, one line: both publications and the two ways out. */
export function describeForeignData(
  owner: DataOwner,
  publication: Pick<Publication, 'id' | 'name'>,
  where: { publicationFile: string; dataDir: string; prefix: string; embeddedRedis: boolean },
): string {
  const data = where.embeddedRedis
    ? `the data dir ${where.dataDir}`
    : `the data under REDIS_PREFIX ${where.prefix}`;
  const fresh = where.embeddedRedis ? 'a new DATA_DIR' : 'a new REDIS_PREFIX';
  const ownerName = owner.name !== owner.id ? ` (${owner.name})` : '';
  return (
    `${data} belongs to the publication "${owner.id}"${ownerName}, not to "${publication.id}" (${publication.name}) of ${where.publicationFile}; ` +
    `move it with: digest publication adopt --yes (keeps the subscribers, drops ${owner.id}'s sources, articles, editions${owner.sample ? ' and demo subscribers' : ''}), or use ${fresh}`
  );
}
