/**
 * `digest publication adopt`: moves the data to the publication of PUBLICATION_FILE, on purpose.
 *
 * Kept: the subscribers (preferences, consent, history), the suppression list, the link keys and
 * admin token in DATA_DIR (so links in mails already sent keep working). Their topics are the new
 * publication's question: those left with no known topic are counted and listed, never widened.
 * Dropped: the old publication's sources, articles and editions (ledgers, variants, timelines), its
 * queued jobs and job schedulers (the next `digest start` makes the new publication's), the schedule
 * `digest schedule set` stored for it, and, when it was the bundled demo, the demo's subscribers
 * (the addresses of samples/space-tech/subscribers.csv), which are sample data too.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Container } from '../app/container.ts';
import { UserError } from '../errors/user-error.ts';
import { QUEUES } from '../queues/queue-names.ts';
import { articleKeys, editionIndexKey, everyEditionKey, sourceKeys } from '../redis/key-layout.ts';
import { findNoKnownTopic } from '../subscribers/no-known-topic.ts';
import { type DataOwner, writeDataOwner } from './data-owner.ts';
import { SAMPLE_PUBLICATION_FILE } from './load-publication.ts';
import { forgetStoredSchedule } from './stored-schedule.ts';

export interface AdoptReport {
  from: DataOwner;
  to: { id: string; name: string };
  kept: { subscribers: number; noKnownTopic: number };
  dropped: { sources: number; articles: number; editions: number; demoSubscribers: number };
}

const SAMPLE_ID = 'orbit-weekly';

export async function adoptPublication(c: Container, now: Date): Promise<AdoptReport | undefined> {
  if (c.dataOwner.ok) return undefined;
  const from = c.dataOwner.owner;
  let workers = 0;
  for (const name of Object.values(QUEUES)) workers += await c.queues[name].getWorkersCount();
  if (workers > 0)
    throw new UserError(
      `${workers} worker(s) of "${from.id}" are connected to this data (a digest start or digest worker): stop them first`,
    );

  // One key per DEL, 500 in flight: keys of different hash slots share no command (nor a pipeline)
  // on a Cluster.
  const drop = async (keys: string[]) => {
    for (let i = 0; i < keys.length; i += 500)
      await Promise.all(keys.slice(i, i + 500).map((key) => c.redis.del(key)));
  };
  const editions = await c.redis.zrange(editionIndexKey(c.prefix), '0', '-1');
  for (const id of editions) await drop(everyEditionKey(c.prefix, id));
  await drop([editionIndexKey(c.prefix)]);

  const ak = articleKeys(c.prefix);
  const articles = await c.redis.zrange(ak.published, '0', '-1');
  await drop([...articles.map(ak.doc), ak.published, ...ak.indexes]);

  const sk = sourceKeys(c.prefix);
  const sources = await c.redis.zrange(sk.index, '0', '-1');
  await drop([...sources.map(sk.source), sk.index, sk.seeded, sk.removedFromFile]);

  await forgetStoredSchedule(c.redis, c.prefix);
  // Queued collect/build/send jobs and the weekly scheduler were the old publication's.
  for (const name of Object.values(QUEUES)) await c.queues[name].obliterate({ force: true });

  let demoSubscribers = 0;
  if (from.sample || from.id === SAMPLE_ID) {
    for (const email of sampleAddresses()) {
      const s = await c.subscribers.getByEmail(email);
      if (!s) continue;
      await c.subscribers.forget(s.id);
      demoSubscribers++;
    }
  }

  await writeDataOwner(c.redis, c.prefix, {
    id: c.publication.id,
    name: c.publication.name,
    sample: false,
    since: now.toISOString(),
  });
  const counts = await c.subscribers.counts();
  const { count } = await findNoKnownTopic(c.subscribers, c.publication, 0);
  return {
    from,
    to: { id: c.publication.id, name: c.publication.name },
    kept: { subscribers: Object.values(counts).reduce((a, b) => a + b, 0), noKnownTopic: count },
    dropped: {
      sources: sources.length,
      articles: articles.length,
      editions: editions.length,
      demoSubscribers,
    },
  };
}

/** The demo's subscriber addresses, from the bundled sample's own CSV (first column). */
function sampleAddresses(): string[] {
  const csv = readFileSync(join(dirname(SAMPLE_PUBLICATION_FILE), 'subscribers.csv'), 'utf8');
  return csv
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]!.trim())
    .filter(Boolean);
}
