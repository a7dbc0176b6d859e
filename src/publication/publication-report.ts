/**
 * What `digest publication show`, `digest status` and the dashboard's home say about the
 * publication: each effective setting and where it comes from (the publication file, a default, the
 * environment, or stored by the CLI/dashboard), and every conflict between the file and what is
 * stored beside it, as one warning line each. Nothing here changes anything.
 */
import type { Container } from '../app/container.ts';
import { sourceIdFor } from '../sources/source-location.ts';
import { findNoKnownTopic } from '../subscribers/no-known-topic.ts';
import { describeForeignData } from './data-owner.ts';
import { type EffectiveSchedule, effectiveSchedule } from './effective-schedule.ts';
import { givenFields } from './load-publication.ts';
import { readStoredSchedule } from './stored-schedule.ts';

export type SettingOrigin = 'file' | 'default' | 'env' | 'stored';

export interface Setting {
  name: string;
  value: string;
  origin: SettingOrigin;
  /** e.g. the variable that overrides the file. */
  note?: string;
}

export interface SourceLine {
  url: string;
  /** `removed`: named by the file, removed by an operator, not collected. */
  origin: 'file' | 'operator' | 'removed';
  topics: string[];
}

export interface PublicationReport {
  id: string;
  name: string;
  file: string;
  owner: { id: string; name: string; since: string; matches: boolean };
  settings: Setting[];
  sources: SourceLine[];
  noKnownTopic: number;
  warnings: string[];
}

export async function scheduleOf(c: Container): Promise<EffectiveSchedule> {
  const origin = c.config.scheduleCron
    ? 'env'
    : givenFields(c.publicationFile).has('scheduleCron')
      ? 'file'
      : 'default';
  return effectiveSchedule(
    { cron: c.publication.scheduleCron, timezone: c.publication.timezone, origin },
    await readStoredSchedule(c.redis, c.prefix),
  );
}

/** The warning lines alone (status, dashboard). */
export async function publicationWarnings(c: Container): Promise<string[]> {
  return (await publicationReport(c)).warnings;
}

export async function publicationReport(c: Container): Promise<PublicationReport> {
  const p = c.publication;
  const given = givenFields(c.publicationFile);
  const fromFile = (field: string): SettingOrigin => (given.has(field) ? 'file' : 'default');
  const schedule = await scheduleOf(c);
  const settings: Setting[] = [
    { name: 'name', value: p.name, origin: 'file' },
    {
      name: 'from',
      value: `${p.from.name} <${p.from.address}>`,
      ...(c.config.mailFrom ? { origin: 'env', note: 'MAIL_FROM' } : { origin: 'file' }),
    },
    { name: 'replyTo', value: p.replyTo ?? '-', origin: fromFile('replyTo') },
    { name: 'postalAddress', value: p.postalAddress, origin: 'file' },
    { name: 'websiteUrl', value: p.websiteUrl, origin: 'file' },
    {
      name: 'timezone',
      value: p.timezone,
      ...(c.config.publicationTimezone
        ? { origin: 'env', note: 'PUBLICATION_TIMEZONE' }
        : { origin: 'file' }),
    },
    { name: 'weekStartsOn', value: String(p.weekStartsOn), origin: fromFile('weekStartsOn') },
    { name: 'locale', value: p.locale, origin: fromFile('locale') },
    { name: 'topics', value: p.topics.map((t) => t.id).join(', '), origin: 'file' },
    {
      name: 'topicAliases',
      value:
        Object.entries(p.topicAliases)
          .map(([old, now]) => `${old} → ${now}`)
          .join(', ') || '-',
      origin: fromFile('topicAliases'),
    },
    {
      name: 'schedule',
      value: `"${schedule.cron}" in ${schedule.timezone}`,
      origin: schedule.origin,
      ...(schedule.origin === 'env'
        ? { note: 'SCHEDULE_CRON' }
        : schedule.origin === 'stored'
          ? { note: 'digest schedule set' }
          : {}),
    },
    { name: 'defaultHour', value: String(p.defaultHour), origin: fromFile('defaultHour') },
    { name: 'topStories', value: String(p.topStories), origin: fromFile('topStories') },
    { name: 'maxPerSection', value: String(p.maxPerSection), origin: fromFile('maxPerSection') },
    { name: 'brandColor', value: p.brandColor, origin: fromFile('brandColor') },
    { name: 'reviewBeforeSend', value: String(p.reviewBeforeSend), origin: fromFile('reviewBeforeSend') },
    { name: 'reviewers', value: p.reviewers.join(', ') || '-', origin: fromFile('reviewers') },
  ];

  const warnings: string[] = [];
  const owner = c.dataOwner.owner;
  if (!c.dataOwner.ok)
    warnings.push(
      describeForeignData(owner, p, {
        publicationFile: c.publicationFile,
        dataDir: c.config.dataDir,
        prefix: c.prefix,
        embeddedRedis: !c.config.redisUrl,
      }),
    );
  if (schedule.conflict) warnings.push(schedule.conflict);

  // The file's sources as they will be after the next sync (what collect reads), and the stored ones.
  const registered = await c.sources.list();
  const removed = new Set(await c.sources.removedFromFile());
  const fileIds = new Set(p.sources.map((s) => sourceIdFor(s.url)));
  const sources: SourceLine[] = p.sources.map((s) => ({
    url: s.url,
    origin: removed.has(sourceIdFor(s.url)) ? 'removed' : 'file',
    topics: s.topics ?? [],
  }));
  for (const s of registered)
    if (!fileIds.has(s.id) && s.origin !== 'file')
      sources.push({ url: s.url, origin: 'operator', topics: s.topics });
  for (const s of sources)
    if (s.origin === 'removed')
      warnings.push(
        `source ${s.url}: named by the publication file but removed with digest sources remove, so it is not collected (digest sources add collects it again; or take it out of the file)`,
      );

  const { count } = await findNoKnownTopic(c.subscribers, p, 0);
  if (count > 0)
    warnings.push(
      `${count} subscriber(s) chose only topics the publication no longer has: every edition skips them ("no known topic"); see digest subscribers list --no-known-topic, and map renamed ids with topicAliases`,
    );

  return {
    id: p.id,
    name: p.name,
    file: c.publicationFile,
    owner: { id: owner.id, name: owner.name, since: owner.since, matches: c.dataOwner.ok },
    settings,
    sources,
    noKnownTopic: count,
    warnings,
  };
}
