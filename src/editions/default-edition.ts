/**
 * The one default edition of every command that takes an edition (`send`, `status`, `preview`,
 * `articles list`, and the API/dashboard where an edition is optional): the newest edition that
 * exists (a draft, sending, sent, paused or cancelled), else last week, the one a weekly run builds.
 * Chosen over "last week" alone, which on Monday of the week after the demo pointed at an edition
 * nobody built while the one the operator had just looked at was two weeks older; and over "the
 * current week", which cannot be sent before it is over.
 */
import { previousEditionId, type WeekStart } from '../core/edition-window.ts';
import type { EditionStore } from './edition-store.ts';

export const DEFAULT_EDITION_RULE =
  'the newest edition that exists (draft, sending, sent...), else last week (the one a weekly run builds)';

export async function defaultEdition(
  editions: Pick<EditionStore, 'list'>,
  publication: { timezone: string; weekStartsOn: WeekStart },
  now: Date,
): Promise<string> {
  const [newest] = await editions.list(1);
  return newest?.id ?? previousEditionId(now, publication.timezone, publication.weekStartsOn);
}
