/**
 * Renamed topics (pure): the publication's `topicAliases` maps an old topic id to the id that
 * replaced it, so a subscriber who chose `moon` keeps getting what is now `lunar` without any
 * stored preference being rewritten. One step only: an alias names a current topic (the publication
 * loader checks it).
 */
export type TopicAliases = Readonly<Record<string, string>>;

export function resolveTopicAliases(chosen: readonly string[], aliases: TopicAliases): string[] {
  return [...new Set(chosen.map((t) => (Object.hasOwn(aliases, t) ? aliases[t]! : t)))];
}

/** The chosen ids that are neither a current topic nor an alias of one. */
export function unknownTopics(
  chosen: readonly string[],
  publicationTopics: readonly string[],
  aliases: TopicAliases,
): string[] {
  const known = new Set(publicationTopics);
  return chosen.filter((t) => !known.has(t) && !Object.hasOwn(aliases, t));
}
