/**
 * `digest preview`: writes the HTML and text of a digest exactly as a subscriber would get it (a built
 * edition's current generation, else the week so far through the same buildVariant + personalise as
 * the send step), to look at in a browser before sending.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Container } from '../../app/container.ts';
import { isEditionId } from '../../core/edition-window.ts';
import { NO_KNOWN_TOPIC, variantTopics } from '../../core/eligibility.ts';
import { splitTopicList } from '../../core/topic-list.ts';
import { UserError } from '../../errors/user-error.ts';
import { checkLocale } from '../../i18n/locale-tag.ts';
import { subscriberLinks } from '../../links/subscriber-links.ts';
import type { Recipient } from '../../render/personalise.ts';
import { variantKey } from '../../render/variant-key.ts';
import { normaliseEmail } from '../../subscribers/normalise-email.ts';
import { withContainer } from '../context.ts';

interface PreviewOptions {
  edition?: string;
  topics?: string;
  subscriber?: string;
  locale?: string;
  out: string;
}

export function registerPreviewCommand(program: Command): void {
  program
    .command('preview')
    .description("Write a digest's HTML and text to files, as one subscriber would receive it.")
    .option(
      '--edition <id>',
      'edition id such as 2026-W47 (default: the newest edition, else last week, as send and status)',
    )
    .option('--topics <ids>', 'topic ids separated by , or ;, e.g. lunar,launch (default: every topic)')
    .option('--subscriber <email>', "a subscriber's address: their topics, language, name and real links")
    .option(
      '--locale <tag>',
      "the language, e.g. de or pt-BR (default: the subscriber's, else the publication's)",
    )
    .option('--out <dir>', 'folder for digest.html and digest.txt', 'digest-preview')
    .addHelpText(
      'after',
      '\nExamples:\n  digest preview\n  digest preview --edition 2026-W47 --topics lunar,launch --out /tmp/p\n  digest preview --subscriber ada@example.com',
    )
    .action((o: PreviewOptions) => withContainer((c) => preview(c, o)));
}

async function preview(c: Container, o: PreviewOptions): Promise<void> {
  // Imported when the command runs, not at start-up: `digest --help` loads none of it (BENCHMARKS.md).
  const { loadEditionArticles } = await import('../../editions/edition-articles.ts');
  const { buildVariant } = await import('../../render/build-variant.ts');
  const { compilePersonaliser } = await import('../../render/personalise.ts');
  const { publication } = c;
  const { defaultEdition } = await import('../../editions/default-edition.ts');
  const editionId = o.edition ?? (await defaultEdition(c.editions, publication, new Date()));
  if (!isEditionId(editionId, publication.timezone, publication.weekStartsOn)) {
    throw new UserError(`--edition "${editionId}" is not an edition id such as 2026-W47`);
  }
  const { recipient, chosen, language } = await previewRecipient(c, o.subscriber);
  const asked = checkLocale(o.locale);
  if (!asked.ok) throw new UserError(`--locale: ${asked.reason}`);
  const locale = asked.value || language || publication.locale;
  const topics = variantTopics(
    o.topics !== undefined ? parseTopics(c, o.topics) : chosen,
    topicIds(c),
    publication.topicAliases,
  );
  if (!topics)
    throw new UserError(
      `${o.subscriber} chose only topics the publication no longer has (${chosen.join(', ')}): they are skipped with the reason "${NO_KNOWN_TOPIC}" (see digest subscribers list --no-known-topic)`,
      1,
    );
  const { edition, articles, editorial, frozen } = await loadEditionArticles(c, editionId);
  // A built edition: its current generation's own compiled variant when one has these topics (what its
  // readers get), else its frozen articles and edits rendered for them.
  const stored = frozen
    ? (await c.editions.variants(editionId)).find((v) => v.key === variantKey(topics, locale))
    : undefined;
  const variant =
    stored ??
    (await buildVariant({
      publication,
      edition,
      articles,
      topics,
      locale,
      webUrl: `${c.publicUrl}/editions/${editionId}`,
      templatesDir: c.config.templatesDir,
      editorial,
    }));
  const label = topics.length ? topics.join(', ') : 'every topic';
  if (!variant) {
    throw new UserError(
      `edition ${editionId} has no articles for ${label} (${articles.length} in the edition): this variant sends no email`,
      1,
    );
  }
  const { html, text } = compilePersonaliser(variant)(recipient);
  const dir = resolve(o.out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'digest.html'), html);
  writeFileSync(join(dir, 'digest.txt'), text);
  process.stdout.write(
    [
      `edition ${editionId} · variant ${variant.key} (${label}) · ${variant.articleCount} articles · to ${recipient.email}`,
      `Subject:   ${variant.subject}`,
      `Preheader: ${variant.preheader}`,
      `HTML:      ${join(dir, 'digest.html')} (${(Buffer.byteLength(html) / 1024).toFixed(1)} KB)`,
      `Text:      ${join(dir, 'digest.txt')}`,
      '',
    ].join('\n'),
  );
}

const topicIds = (c: Container) => c.publication.topics.map((t) => t.id);

function parseTopics(c: Container, value: string): string[] {
  const ids = splitTopicList(value).map((t) => t.toLowerCase());
  const known = topicIds(c);
  const unknown = ids.find((t) => !known.includes(t));
  if (unknown) throw new UserError(`--topics: unknown topic "${unknown}" (known: ${known.join(', ')})`);
  return ids;
}

/** A real subscriber (their name, topics and signed links) or a sample reader with dead links. */
async function previewRecipient(
  c: Container,
  email: string | undefined,
): Promise<{ recipient: Recipient; chosen: string[]; language: string }> {
  if (email === undefined) {
    return {
      recipient: {
        name: 'Preview Reader',
        email: 'reader@example.com',
        unsubscribeUrl: `${c.publicUrl}/u/preview`,
        preferencesUrl: `${c.publicUrl}/p/preview`,
      },
      chosen: [],
      language: '',
    };
  }
  const address = normaliseEmail(email);
  if (!address) throw new UserError(`--subscriber "${email}" is not an email address`);
  const subscriber = await c.subscribers.getByEmail(address);
  if (!subscriber) throw new UserError(`no subscriber with the address ${address}`);
  const links = subscriberLinks(c.publicUrl, subscriber.id, c.linkKeys, Math.floor(Date.now() / 1000));
  return {
    recipient: {
      name: subscriber.name,
      email: subscriber.email,
      unsubscribeUrl: links.unsubscribe,
      preferencesUrl: links.preferences,
      // Their dates, as their digest shows them.
      timezone: subscriber.timezone,
    },
    chosen: subscriber.topics,
    language: subscriber.locale,
  };
}
