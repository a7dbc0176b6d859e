/**
 * Reads and validates a publication file (JSON). The bundled sample lives in
 * samples/space-tech/publication.json; operators point PUBLICATION_FILE at their own.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { canonicalZone, isTimeZone } from '../config.ts';
import { checkWeeklyCron } from '../core/weekly-cron.ts';
import type { Publication } from '../domain/publication.ts';
import { ConfigError } from '../errors/config-error.ts';
import { describeIssue } from '../errors/zod-issue-words.ts';
import { CATALOGUE_LOCALES, checkLocale } from '../i18n/locale-tag.ts';

export const SAMPLE_PUBLICATION_FILE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../samples/space-tech/publication.json',
);

const topicId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and "-"');

const schema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  name: z.string().min(1).max(120),
  description: z.string().max(500).default(''),
  websiteUrl: z.string().regex(/^https?:\/\//, 'an http(s) URL'),
  from: z.object({ name: z.string().min(1).max(120), address: z.email() }),
  replyTo: z.email().optional(),
  postalAddress: z.string().min(5).max(300),
  timezone: z
    .string()
    .refine(isTimeZone, 'an IANA timezone such as Europe/Berlin (not an abbreviation such as EST)')
    .transform(canonicalZone),
  weekStartsOn: z.number().int().min(0).max(6).default(1),
  // The language of the publication's own pages and of readers who chose none.
  locale: z
    .string()
    .max(40)
    .default('en')
    .refine(
      (v) => checkLocale(v).ok,
      `a language with a message catalogue (${CATALOGUE_LOCALES.join(', ')}, or a regional form such as en-GB or de-AT)`,
    ),
  topics: z
    .array(
      z.object({ id: topicId, name: z.string().min(1).max(60), description: z.string().max(200).optional() }),
    )
    .min(1),
  categoryMap: z.record(z.string(), topicId).default({}),
  // Old topic id → the id that replaced it (src/core/topic-aliases.ts).
  topicAliases: z.record(z.string(), topicId).default({}),
  keywordRules: z
    .array(z.object({ topic: topicId, keywords: z.array(z.string().min(1)).min(1) }))
    .default([]),
  scheduleCron: z
    .string()
    .refine((v) => checkWeeklyCron(v).ok, 'a weekly 5-field cron such as "0 6 * * 1" (Mondays at 06:00)')
    .default('0 6 * * 1'),
  defaultHour: z.number().int().min(0).max(23).default(8),
  topStories: z.number().int().min(0).max(10).default(3),
  maxPerSection: z.number().int().min(1).max(50).default(4),
  brandColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a #rrggbb colour')
    .default('#1d3557'),
  reviewBeforeSend: z.boolean().default(false),
  reviewers: z.array(z.email()).max(20).default([]),
  sources: z.array(z.object({ url: z.string().min(1), topics: z.array(topicId).optional() })).default([]),
});

export function loadPublication(
  file: string,
  overrides: { timezone?: string; scheduleCron?: string } = {},
): Publication {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `PUBLICATION_FILE ${file} must be a readable JSON file (${(err as Error).message})`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      `PUBLICATION_FILE ${file}: ${describeIssue(issue.path.join('.') || 'file', issue)}`,
    );
  }
  const p = parsed.data;
  const ids = new Set(p.topics.map((t) => t.id));
  for (const [cat, topic] of Object.entries(p.categoryMap)) {
    if (!ids.has(topic))
      throw new ConfigError(`PUBLICATION_FILE ${file}: categoryMap.${cat} names unknown topic "${topic}"`);
  }
  for (const [old, topic] of Object.entries(p.topicAliases)) {
    if (!ids.has(topic))
      throw new ConfigError(
        `PUBLICATION_FILE ${file}: topicAliases.${old} names unknown topic "${topic}" (topics: ${[...ids].join(', ')})`,
      );
    if (ids.has(old))
      throw new ConfigError(
        `PUBLICATION_FILE ${file}: topicAliases.${old} is still a topic of the publication; an alias is for an id that is gone`,
      );
  }
  for (const rule of p.keywordRules) {
    if (!ids.has(rule.topic))
      throw new ConfigError(`PUBLICATION_FILE ${file}: keywordRules names unknown topic "${rule.topic}"`);
  }
  if (p.reviewBeforeSend && p.reviewers.length === 0)
    throw new ConfigError(
      `PUBLICATION_FILE ${file}: reviewers must list at least one address when reviewBeforeSend is true`,
    );
  const base = dirname(file);
  return {
    ...p,
    replyTo: p.replyTo,
    weekStartsOn: p.weekStartsOn as Publication['weekStartsOn'],
    locale: canonicalLocale(p.locale),
    timezone: overrides.timezone ?? p.timezone,
    scheduleCron: overrides.scheduleCron ?? p.scheduleCron,
    // Relative local sources are relative to the publication file, so the sample works from any cwd.
    sources: p.sources.map((s) => ({
      ...s,
      url: /^https?:\/\//.test(s.url) || isAbsolute(s.url) ? s.url : resolve(base, s.url),
    })),
  };
}

/**
 * The top-level fields the file itself gives (the rest are defaults), for `digest publication show`.
 * Called after loadPublication, so the file is known to be a readable JSON object.
 */
export function givenFields(file: string): Set<string> {
  return new Set(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object));
}

/** `pt-br` → `pt-BR` (the schema has already refused a tag with no catalogue). */
function canonicalLocale(tag: string): string {
  const checked = checkLocale(tag, 'en');
  return checked.ok ? checked.value : 'en';
}
