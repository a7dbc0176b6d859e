/** A signed link token stands for a subscriber: never write one to the logs. */
export function redactLinkTokens(url: string): string {
  return url.replace(/^\/(u|p|c)\/[^/?#]+/, '/$1/[token]');
}
