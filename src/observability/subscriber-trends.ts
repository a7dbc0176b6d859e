/**
 * Weekly subscriber growth and churn, and active subscribers per topic, from plain subscriber rows.
 * Pure: the rows, `now` and the publication's week come in as values. Churn is dated by the
 * subscriber's last change (`updatedAt`), which for an unsubscribed/bounced/complained subscriber is
 * that change unless an operator edited them afterwards.
 */
import { editionIdFor, editionWindow, type WeekStart } from '../core/edition-window.ts';
import type { Subscriber } from '../domain/subscriber.ts';

export type TrendRow = Pick<Subscriber, 'status' | 'createdAt' | 'updatedAt' | 'topics'>;

export interface WeekTrend {
  /** ISO-style week id in the publication's timezone, e.g. 2026-W47. */
  week: string;
  /** New subscribers that week (confirmed or later gone; pending ones are not growth yet). */
  joined: number;
  unsubscribed: number;
  /** Bounced and complained. */
  bounced: number;
}

export interface TopicCount {
  topic: string;
  /** Active subscribers who chose it, plus those who chose nothing (they get every topic). */
  count: number;
}

/** The last `weeks` weeks up to the one containing `now`, oldest first. */
export function weeklyTrends(
  rows: TrendRow[],
  now: Date,
  weeks: number,
  timezone: string,
  weekStartsOn: WeekStart = 1,
): WeekTrend[] {
  const ids: string[] = [];
  let id = editionIdFor(now, timezone, weekStartsOn);
  for (let i = 0; i < weeks; i++) {
    ids.unshift(id);
    id = editionIdFor(
      new Date(editionWindow(id, timezone, weekStartsOn).start.getTime() - 1),
      timezone,
      weekStartsOn,
    );
  }
  const byWeek = new Map(ids.map((w) => [w, { week: w, joined: 0, unsubscribed: 0, bounced: 0 }]));
  const weekOf = (iso: string) => byWeek.get(editionIdFor(new Date(iso), timezone, weekStartsOn));
  for (const r of rows) {
    if (r.status !== 'pending') {
      const w = weekOf(r.createdAt);
      if (w) w.joined++;
    }
    if (r.status === 'unsubscribed') {
      const w = weekOf(r.updatedAt);
      if (w) w.unsubscribed++;
    } else if (r.status === 'bounced' || r.status === 'complained') {
      const w = weekOf(r.updatedAt);
      if (w) w.bounced++;
    }
  }
  return ids.map((w) => byWeek.get(w)!);
}

export function topicCounts(rows: TrendRow[], topics: string[]): TopicCount[] {
  const counts = new Map(topics.map((t) => [t, 0]));
  for (const r of rows) {
    if (r.status !== 'active') continue;
    for (const t of r.topics.length ? r.topics : topics) if (counts.has(t)) counts.set(t, counts.get(t)! + 1);
  }
  return topics.map((topic) => ({ topic, count: counts.get(topic)! }));
}
