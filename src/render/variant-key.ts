/**
 * The key of a variant (pure): subscribers who chose the same topics share one compiled digest.
 * Order and duplicates do not matter; no topics at all means "everything" and is spelled `all`.
 */
export function variantKey(topics: string[]): string {
  if (topics.length === 0) return 'all';
  return [...new Set(topics)].sort().join('+');
}
