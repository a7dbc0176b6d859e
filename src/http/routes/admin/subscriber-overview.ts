/**
 * Growth, churn and topic counts need every subscriber row, so they are computed by paging through
 * the store (500 per round trip) and kept for a minute per process: the dashboard stays cheap to
 * reload while an edition is being watched.
 */
import type { Container } from '../../../app/container.ts';
import {
  type TopicCount,
  type TrendRow,
  topicCounts,
  type WeekTrend,
  weeklyTrends,
} from '../../../observability/subscriber-trends.ts';

export interface SubscriberOverview {
  weeks: WeekTrend[];
  topics: TopicCount[];
  computedAt: string;
}

const TTL_MS = 60_000;
export const TREND_WEEKS = 12;

export function createSubscriberOverview(c: Container, clock: () => Date) {
  let cached: { at: number; value: Promise<SubscriberOverview> } | undefined;
  return (): Promise<SubscriberOverview> => {
    const now = clock();
    if (!cached || now.getTime() - cached.at > TTL_MS) {
      const value = compute(c, now);
      cached = { at: now.getTime(), value };
      value.catch(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
}

async function compute(c: Container, now: Date): Promise<SubscriberOverview> {
  const rows: TrendRow[] = [];
  let cursor = '0';
  do {
    const page = await c.subscribers.scanIds(cursor, 500);
    cursor = page.cursor;
    for (const s of await c.subscribers.getMany(page.ids))
      if (s)
        rows.push({ status: s.status, createdAt: s.createdAt, updatedAt: s.updatedAt, topics: s.topics });
  } while (cursor !== '0');
  const p = c.publication;
  return {
    weeks: weeklyTrends(rows, now, TREND_WEEKS, p.timezone, p.weekStartsOn),
    topics: topicCounts(
      rows,
      p.topics.map((t) => t.id),
    ),
    computedAt: now.toISOString(),
  };
}
