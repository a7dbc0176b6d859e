/**
 * Who receives an edition (pure): active, weekly, not paused at the freeze. Suppression is checked
 * by the caller against the store; a bounced or complained subscriber is never active anyway.
 */
import type { Subscriber } from '../domain/subscriber.ts';

export function isEligible(
  subscriber: Pick<Subscriber, 'status' | 'frequency' | 'pausedUntil'>,
  now: Date,
): boolean {
  if (subscriber.status !== 'active' || subscriber.frequency !== 'weekly') return false;
  return !subscriber.pausedUntil || new Date(subscriber.pausedUntil).getTime() <= now.getTime();
}

/**
 * The topics a subscriber's variant is built from: only the publication's own topics, in its order;
 * choosing none or every topic both mean "everything" and share one variant.
 */
export function variantTopics(chosen: string[], publicationTopics: string[]): string[] {
  const set = new Set(chosen);
  const kept = publicationTopics.filter((t) => set.has(t));
  return kept.length === publicationTopics.length ? [] : kept;
}
