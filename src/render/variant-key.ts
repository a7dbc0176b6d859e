/**
 * The key of a variant (pure): subscribers who chose the same topics and read the same language share
 * one compiled digest. Topic order and duplicates do not matter; no topics at all means "everything"
 * and is spelled `all`. The locale follows an `@`: `launch+lunar@de`, `all@en-GB`.
 */
export function variantKey(topics: string[], locale: string): string {
  const set = topics.length === 0 ? 'all' : [...new Set(topics)].sort().join('+');
  return `${set}@${locale}`;
}
