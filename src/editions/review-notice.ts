/**
 * The review gate's notice: when the weekly schedule has built a draft of a publication with
 * `reviewBeforeSend`, its reviewers get one plain email with the preview link and how to approve.
 * Nothing personal and no article text: it is a pointer to the dashboard.
 */
import type { Publication } from '../domain/publication.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { EditionRecord } from './edition-store.ts';

export async function sendReviewNotice(
  mailer: Mailer,
  publication: Publication,
  publicUrl: string,
  edition: EditionRecord,
): Promise<void> {
  const page = `${publicUrl}/admin/editions/${edition.id}`;
  await mailer.send({
    from: { name: publication.from.name, address: publication.from.address },
    to: publication.reviewers,
    subject: `[Review] ${publication.name} ${edition.id} is ready for review`,
    text: [
      `The draft of ${publication.name} ${edition.id} is built: ${edition.articleIds.length} articles, ${edition.recipientCount} recipients, ${edition.variantKeys.length} variants.`,
      '',
      `Preview it, edit it, and approve it: ${page}`,
      `or from the command line: digest approve ${edition.id}`,
      '',
      'Nothing goes to readers before it is approved. Approved after its due hour, it is sent at once; before, at the due hour.',
    ].join('\n'),
  });
}
