/**
 * Seeds for delivery tests: a week of articles across the sample publication's topics, and
 * subscribers spread over topic sets, timezones and statuses, written through the real stores.
 */
import { createHash } from 'node:crypto';
import type { Container } from '../../src/app/container.ts';
import { editionWindow } from '../../src/core/edition-window.ts';
import type { Article } from '../../src/domain/article.ts';
import type { SubscriberStatus } from '../../src/domain/subscriber.ts';

export const TOPIC_SETS: string[][] = [['lunar'], ['lunar', 'launch'], ['policy', 'markets'], []];
export const TIMEZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Asia/Tokyo',
  'UTC',
  'Australia/Sydney',
  'America/Los_Angeles',
];

export async function seedArticles(c: Container, editionId: string, perTopic = 2): Promise<Article[]> {
  const { start } = editionWindow(editionId, c.publication.timezone, c.publication.weekStartsOn);
  const articles: Article[] = [];
  let n = 0;
  for (const topic of c.publication.topics) {
    for (let i = 0; i < perTopic; i++) {
      n++;
      const at = new Date(start.getTime() + n * 3_600_000 * 7).toISOString();
      const title = `${topic.name} story ${i + 1} of ${editionId}`;
      const article: Article = {
        id: createHash('sha256').update(`${editionId}-${topic.id}-${i}`).digest('hex').slice(0, 16),
        sourceId: 'api',
        guid: `${editionId}-${topic.id}-${i}`,
        url: `https://orbit-weekly.example/${editionId}/${topic.id}-${i}`,
        title,
        author: 'Orbit Weekly desk',
        publishedAt: at,
        firstSeenAt: at,
        updatedAt: at,
        summary: `What happened in ${topic.name} this week. A second sentence for the summary.`,
        brief: [`First key point about ${topic.name}`, `Second key point about ${topic.name}`],
        imageUrl: i === 0 ? `https://orbit-weekly.example/img/${topic.id}.jpg` : undefined,
        imageAlt: i === 0 ? `${topic.name} illustration` : undefined,
        topics: [topic.id],
        readingMinutes: 3,
        contentHash: createHash('sha256').update(title).digest('hex'),
      };
      await c.articles.upsert(article);
      articles.push(article);
    }
  }
  return articles;
}

export interface SeededSubscriber {
  id: string;
  email: string;
  status: SubscriberStatus;
  topics: string[];
}

/** `count` subscribers: index i gets TOPIC_SETS[i % 4], TIMEZONES[i % 6], and a status by `statusOf(i)`. */
export async function seedSubscribers(
  c: Container,
  count: number,
  statusOf: (i: number) => SubscriberStatus = () => 'active',
  domain = 'readers.example',
): Promise<SeededSubscriber[]> {
  const inputs = Array.from({ length: count }, (_, i) => ({
    status: statusOf(i) as SubscriberStatus,
    email: `reader${i}@${domain}`,
    name: `Reader ${i}`,
    topics: TOPIC_SETS[i % TOPIC_SETS.length]!,
    timezone: TIMEZONES[i % TIMEZONES.length]!,
    hour: i % 24,
    locale: 'en-GB',
    suppress: ['bounced', 'complained'].includes(statusOf(i)),
  }));
  const out: SeededSubscriber[] = [];
  for (let i = 0; i < inputs.length; i += 500) {
    const chunk = inputs.slice(i, i + 500);
    const created = await c.subscribers.createMany(chunk, 'import');
    created.forEach((r, j) => {
      const input = chunk[j]!;
      if (!r.id) throw new Error(`seed subscriber ${input.email} was refused`);
      out.push({ id: r.id, email: input.email, status: input.status, topics: input.topics });
    });
  }
  return out;
}

/** Messages per recipient address at the sink. */
export function perRecipient(messages: Array<{ envelopeTo: string[] }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const msg of messages) for (const to of msg.envelopeTo) m.set(to, (m.get(to) ?? 0) + 1);
  return m;
}
