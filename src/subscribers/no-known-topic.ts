/**
 * Subscribers left with no known topic: they chose topics and every one was removed from the
 * publication without an alias (`topicAliases`). The build skips them ("no known topic"); this finds
 * them for the operator (`digest subscribers list --no-known-topic`, the count in `digest status`,
 * `digest publication show` and the dashboard's home). Only those who could receive an edition
 * (active or pending) are listed: an unsubscribed reader's old choice harms nobody.
 */
import { variantTopics } from '../core/eligibility.ts';
import type { Publication } from '../domain/publication.ts';
import type { Subscriber } from '../domain/subscriber.ts';
import type { SubscriberStore } from './subscriber-store.ts';

export type Stranded = Pick<Subscriber, 'id' | 'email' | 'status' | 'topics'>;

const PAGE = 500;

export async function findNoKnownTopic(
  store: SubscriberStore,
  publication: Pick<Publication, 'topics' | 'topicAliases'>,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ count: number; subscribers: Stranded[] }> {
  const topicIds = publication.topics.map((t) => t.id);
  const found: Stranded[] = [];
  let count = 0;
  for (const status of ['active', 'pending'] as const) {
    let cursor = '0';
    do {
      const page = await store.listByStatus(status, cursor, PAGE);
      cursor = page.cursor;
      const picked = await store.pick(page.ids, ['email', 'status', 'topics'] as const);
      for (const s of picked) {
        if (!s || variantTopics(s.topics, topicIds, publication.topicAliases)) continue;
        count++;
        if (found.length < limit) found.push(s);
      }
    } while (cursor !== '0');
  }
  return { count, subscribers: found };
}
