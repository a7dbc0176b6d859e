/**
 * One page of the dashboard's subscriber list, read with the store's cursors (SSCAN over one status
 * set, or HSCAN over the address index for "all"), so a list of 100,000 costs what a page costs: a
 * few round trips and `size` records, never the whole list. Redis's COUNT is a hint (a round may
 * bring none, or a few more), so rounds repeat until the page is full or the scan is over; the order
 * is the store's, not alphabetical.
 */
import type { Subscriber, SubscriberStatus } from '../../../domain/subscriber.ts';
import type { SubscriberStore } from '../../../subscribers/subscriber-store.ts';

export type StatusFilter = SubscriberStatus | 'all';

export interface SubscriberPage {
  subscribers: Subscriber[];
  /** The cursor of the next page; undefined on the last one. */
  next: string | undefined;
}

export async function subscriberPage(
  store: SubscriberStore,
  filter: StatusFilter,
  cursor: string,
  size: number,
): Promise<SubscriberPage> {
  const ids: string[] = [];
  let next = cursor;
  do {
    const round =
      filter === 'all' ? await store.scanIds(next, size) : await store.listByStatus(filter, next, size);
    ids.push(...round.ids);
    next = round.cursor;
  } while (next !== '0' && ids.length < size);
  const subscribers = (await store.getMany(ids)).filter((s): s is Subscriber => s !== undefined);
  return { subscribers, next: next === '0' ? undefined : next };
}
