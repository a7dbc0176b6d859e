/**
 * A list of topic ids as a person types it: `lunar;launch` (the CSV's own separator, since `,` splits
 * its columns) or `lunar, launch` (what a shell user types). Every entry point accepts both.
 */
export function splitTopicList(text: string): string[] {
  return text
    .split(/[;,]/)
    .map((t) => t.trim())
    .filter(Boolean);
}
