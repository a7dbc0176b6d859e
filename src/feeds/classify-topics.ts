/**
 * An article's topics: its feed categories through the publication's categoryMap (a category equal
 * to a topic's id or name maps to it by default), the keyword rules, and the topics the operator gave
 * its source. Returned in the publication's topic order.
 */
import type { Publication } from '../domain/publication.ts';

export type TopicConfig = Pick<Publication, 'topics' | 'categoryMap' | 'keywordRules'>;

const key = (s: string) => s.trim().toLowerCase();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function classifyTopics(
  config: TopicConfig,
  input: { categories: string[]; text: string; sourceTopics?: string[] },
): string[] {
  const byCategory = new Map<string, string>();
  for (const t of config.topics) {
    byCategory.set(key(t.id), t.id);
    byCategory.set(key(t.name), t.id);
  }
  // Explicit mappings win over the by-name default.
  for (const [category, topic] of Object.entries(config.categoryMap)) byCategory.set(key(category), topic);

  const found = new Set<string>(input.sourceTopics ?? []);
  for (const c of input.categories) {
    const topic = byCategory.get(key(c));
    if (topic) found.add(topic);
  }
  for (const rule of config.keywordRules) {
    if (rule.keywords.some((k) => keywordMatches(k, input.text))) found.add(rule.topic);
  }
  return config.topics.map((t) => t.id).filter((id) => found.has(id));
}

/** Whole words or phrases, case-insensitive, in any script. */
function keywordMatches(keyword: string, text: string): boolean {
  const k = keyword.trim();
  if (!k) return false;
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(k)}(?![\\p{L}\\p{N}])`, 'iu').test(text);
}
