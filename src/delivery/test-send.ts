/**
 * A test send: one digest of an edition to any address, for an operator to look at. It never touches
 * the ledger, and its Message-ID is marked as a test so it cannot be mistaken for the real delivery.
 * It is the current generation's own compiled variant when one has these topics (the very bytes the
 * readers of that variant get, but for the subject's "[Test]" and the recipient's slots), else that
 * generation's frozen articles and edits rendered for the topics asked for.
 */
import { randomBytes } from 'node:crypto';
import type { ArticleStore } from '../articles/article-store.ts';
import type { LinkKey } from '../config.ts';
import { variantTopics } from '../core/eligibility.ts';
import type { Publication } from '../domain/publication.ts';
import { editorialOfEdition } from '../editions/build-edition.ts';
import type { EditionStore } from '../editions/edition-store.ts';
import { UserError } from '../errors/user-error.ts';
import { subscriberLinks } from '../links/subscriber-links.ts';
import type { DkimSigner } from '../mail/dkim-signer.ts';
import type { Mailer } from '../mail/mailer.ts';
import { buildVariant } from '../render/build-variant.ts';
import { variantKey } from '../render/variant-key.ts';
import { checkEmail } from '../subscribers/normalise-email.ts';
import { prepareVariant } from './prepared-edition.ts';

export interface TestSendDeps {
  publication: Publication;
  editions: EditionStore;
  articles: ArticleStore;
  mailer: Mailer;
  /** Signs the test message as the real ones are (DKIM_*). */
  dkim?: DkimSigner | undefined;
  publicUrl: string;
  linkKeys: LinkKey[];
  templatesDir: string | undefined;
}

export async function testSend(
  deps: TestSendDeps,
  editionId: string,
  /** `locale`: the language of the copy (checked by the caller); empty or absent: the publication's. */
  options: { to: string; topics: string[]; now: Date; locale?: string | undefined },
): Promise<{ messageId: string; variant: string }> {
  const to = testRecipient(options.to);
  if (typeof to === 'string')
    throw new UserError(`--to "${options.to}" is not an email address: it ${to}`, 2, {
      dashboard: `"${options.to}" is not an email address: it ${to}.`,
    });
  const known = new Set(deps.publication.topics.map((t) => t.id));
  const unknown = options.topics.filter((t) => !known.has(t));
  if (unknown.length)
    throw new UserError(`unknown topic(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const edition = await deps.editions.get(editionId);
  if (!edition) throw new UserError(`edition ${editionId} does not exist (build or send it first)`);
  // Every id was checked above, so the choice cannot end with no known topic.
  const topics =
    variantTopics(
      options.topics,
      deps.publication.topics.map((t) => t.id),
    ) ?? [];
  const locale = options.locale || deps.publication.locale;
  const stored = (await deps.editions.variants(editionId)).find((v) => v.key === variantKey(topics, locale));
  const variant = stored ?? (await renderForTopics(deps, edition, topics, locale));
  if (!variant)
    throw new UserError(`edition ${editionId} has no articles for topics ${topics.join(', ') || 'all'}`);
  const prepared = prepareVariant(
    editionId,
    deps.publication,
    { ...variant, subject: `[Test] ${variant.subject}` },
    deps.dkim,
  );
  const testId = `test-${randomBytes(6).toString('hex')}`;
  const links = subscriberLinks(
    deps.publicUrl,
    testId,
    deps.linkKeys,
    Math.floor(options.now.getTime() / 1000),
  );
  const name = to.name || 'Test reader';
  const message = await prepared.composeToSend(
    {
      subscriberId: testId,
      email: to.address,
      name,
      format: 'html',
      unsubscribeUrl: links.unsubscribe,
      preferencesUrl: links.preferences,
    },
    { dotStuffed: deps.mailer.acceptsDotStuffed, date: options.now },
  );
  await deps.mailer.sendRaw(message);
  return { messageId: message.messageId, variant: variant.key };
}

/**
 * `me@example.com` or `Me <me@example.com>`. The address follows the subscribers' grammar
 * (normalise-email.ts): one plain mailbox, nothing a parser could turn into other recipients.
 */
function testRecipient(value: string): { name: string; address: string } | string {
  const named = /^([^<>"]*)<([^<>]*)>$/.exec(value.trim());
  const checked = checkEmail(named ? named[2] : value);
  if (!checked.ok) return checked.reason;
  const name = named ? named[1]!.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() : '';
  return { name, address: checked.email };
}

async function renderForTopics(
  deps: TestSendDeps,
  edition: NonNullable<Awaited<ReturnType<EditionStore['get']>>>,
  topics: string[],
  locale: string,
) {
  const articles =
    (await deps.editions.articles(edition.id)) ?? (await deps.articles.getMany(edition.articleIds));
  return buildVariant({
    publication: deps.publication,
    edition,
    articles,
    topics,
    locale,
    webUrl: `${deps.publicUrl}/editions/${edition.id}`,
    templatesDir: deps.templatesDir,
    editorial: editorialOfEdition(edition, articles),
  });
}
