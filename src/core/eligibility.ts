/**
 * Who receives an edition (pure): active, weekly, not paused at the freeze. Suppression is checked
 * by the caller against the store; a bounced or complained subscriber is never active anyway.
 */
import type { Subscriber } from '../domain/subscriber.ts';
import { resolveTopicAliases, type TopicAliases } from './topic-aliases.ts';

/** The skip reason of a subscriber whose chosen topics are all gone from the publication. */
export const NO_KNOWN_TOPIC = 'no known topic';

export function isEligible(
  subscriber: Pick<Subscriber, 'status' | 'frequency' | 'pausedUntil'>,
  now: Date,
): boolean {
  if (subscriber.status !== 'active' || subscriber.frequency !== 'weekly') return false;
  return !subscriber.pausedUntil || new Date(subscriber.pausedUntil).getTime() <= now.getTime();
}

/**
 * The topics a subscriber's variant is built from: only the publication's own topics, in its order,
 * after renamed ids are carried over by `aliases`; choosing none or every topic both mean
 * "everything" and share one variant (`[]`). A reader who chose topics of which none is known any
 * more (removed from the publication, no alias) gets `undefined`: they are skipped with
 * NO_KNOWN_TOPIC and listed for the operator, never widened to every topic, which is the opposite
 * of what they asked for.
 */
export function variantTopics(
  chosen: string[],
  publicationTopics: string[],
  aliases: TopicAliases = {},
): string[] | undefined {
  const set = new Set(resolveTopicAliases(chosen, aliases));
  const kept = publicationTopics.filter((t) => set.has(t));
  if (chosen.length > 0 && kept.length === 0) return undefined;
  return kept.length === publicationTopics.length ? [] : kept;
}
