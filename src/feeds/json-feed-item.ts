/**
 * The fields of a JSON Feed item we use, with the types the JSON Feed 1.1 spec gives them. feedsmith
 * is lenient (a number becomes a string, an object is dropped), so `url: 42` would become the link
 * "42"; an item whose fields have the wrong types is refused instead, with a reason for the collect
 * report, and the other items still count. `null` stands for an absent field (feeds write it).
 */
import { z } from 'zod';

const text = z.string().nullish();
const author = z.object({ name: text, url: text, avatar: text });

const jsonFeedItem = z.object({
  // The spec: "If an id is presented as a number or other type, a JSON Feed reader must coerce it to a string."
  id: z.union([z.string(), z.number()]).nullish(),
  url: text,
  external_url: text,
  title: text,
  content_html: text,
  content_text: text,
  summary: text,
  image: text,
  banner_image: text,
  date_published: text,
  date_modified: text,
  tags: z.array(z.string()).nullish(),
  authors: z.array(author).nullish(),
  /** JSON Feed 1.0's single author. */
  author: author.nullish(),
  attachments: z.array(z.object({ url: text, mime_type: text, title: text })).nullish(),
});

export type JsonFeedItem = z.infer<typeof jsonFeedItem>;

export type JsonFeedItemCheck = { ok: true; item: JsonFeedItem } | { ok: false; reason: string };

/** `position` counts from 1, as a person reads the feed. */
export function checkJsonFeedItem(raw: unknown, position: number): JsonFeedItemCheck {
  const parsed = jsonFeedItem.safeParse(raw);
  if (parsed.success) return { ok: true, item: parsed.data };
  const problems = parsed.error.issues.slice(0, 3).map((issue) => describe(raw, issue));
  return { ok: false, reason: `item ${position} refused: ${problems.join('; ')}` };
}

function describe(raw: unknown, issue: z.core.$ZodIssue): string {
  if (issue.path.length === 0) return `it is ${kindOf(raw)}, not an object`;
  const field = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  const value = issue.path.reduce<unknown>(
    (v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined),
    raw,
  );
  const expected =
    issue.code === 'invalid_type' ? `${article(issue.expected)} ${issue.expected}` : 'a string or a number';
  return `${field} is ${kindOf(value)}, not ${expected}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return `${article(type)} ${type}`;
}

const article = (word: string): string => (/^[aeiou]/.test(word) ? 'an' : 'a');
