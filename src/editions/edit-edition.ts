/**
 * The editor's controls on an edition: leave an article out (and take that back), pin a story to the
 * top, write a note, override the subject. Edits are stored per edition and take effect on the next
 * (re)build of its draft; they can be made before the first build too (the weekly build then uses
 * them), never once the edition has started sending (no build can follow).
 */
import type { ArticleStore } from '../articles/article-store.ts';
import { editionWindow } from '../core/edition-window.ts';
import type { EditionEdits } from '../domain/edition-edits.ts';
import type { Publication } from '../domain/publication.ts';
import { UserError } from '../errors/user-error.ts';
import type { EditionStore } from './edition-store.ts';
import { cleanNote, MAX_NOTE_LENGTH } from './editor-note.ts';

export const MAX_SUBJECT_LENGTH = 200;

/** One request's changes; absent fields are left alone. */
export interface EditChange {
  /** Article ids to leave out. */
  exclude?: string[] | undefined;
  /** Article ids to put back. */
  include?: string[] | undefined;
  /** An article id to pin; '' removes the pin. */
  pin?: string | undefined;
  /** Markdown; '' removes the note. */
  note?: string | undefined;
  /** '' goes back to the generated subject. */
  subject?: string | undefined;
}

export interface EditDeps {
  publication: Publication;
  articles: ArticleStore;
  editions: EditionStore;
}

const ARTICLE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function editEdition(deps: EditDeps, id: string, change: EditChange): Promise<EditionEdits> {
  const edition = await deps.editions.get(id);
  if (edition && edition.status !== 'draft' && edition.status !== 'cancelled')
    throw new UserError(`edition ${id} has started sending (${edition.status}); edits apply to drafts only`);
  let window: { start: Date; end: Date };
  try {
    window = editionWindow(id, deps.publication.timezone, deps.publication.weekStartsOn);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const { start, end } = window;
  const inWindow = async (articleId: string, flag: string) => {
    if (!ARTICLE_ID.test(articleId))
      throw new UserError(`${flag} "${articleId}" is not an article id (see digest articles list --json)`);
    const article = await deps.articles.get(articleId);
    const at = article && Date.parse(article.publishedAt);
    if (!article || at === undefined || at < start.getTime() || at >= end.getTime())
      throw new UserError(`${flag} ${articleId}: no such article in edition ${id}'s week`);
  };

  const current = await deps.editions.edits(id);
  const excluded = new Set(current.excluded);
  for (const a of change.exclude ?? []) {
    await inWindow(a, '--exclude');
    excluded.add(a);
  }
  for (const a of change.include ?? []) {
    if (!ARTICLE_ID.test(a)) throw new UserError(`--include "${a}" is not an article id`);
    excluded.delete(a);
  }
  const next: Partial<EditionEdits> = {};
  if (change.exclude?.length || change.include?.length) next.excluded = [...excluded];
  if (change.pin !== undefined) {
    const pin = change.pin.trim();
    if (pin) await inWindow(pin, '--pin');
    next.pinned = pin;
  }
  if (change.note !== undefined) {
    const note = cleanNote(change.note);
    if (note.length > MAX_NOTE_LENGTH)
      throw new UserError(
        `--note is ${note.length} characters; an editor's note may have at most ${MAX_NOTE_LENGTH}`,
        2,
        {
          dashboard: `The editor's note is ${note.length} characters; it may have at most ${MAX_NOTE_LENGTH}.`,
        },
      );
    next.note = note;
  }
  if (change.subject !== undefined) {
    const subject = change.subject
      .replace(/[\u0000-\u001F\u007F\u2028\u2029]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (subject.length > MAX_SUBJECT_LENGTH)
      throw new UserError(`--subject is ${subject.length} characters; at most ${MAX_SUBJECT_LENGTH}`, 2, {
        dashboard: `The subject line is ${subject.length} characters; at most ${MAX_SUBJECT_LENGTH}.`,
      });
    next.subject = subject;
  }
  const pinnedNow = next.pinned ?? current.pinned;
  if (pinnedNow && excluded.has(pinnedNow))
    throw new UserError(`article ${pinnedNow} is pinned and excluded at once; unpin it or include it again`);
  return deps.editions.saveEdits(id, next);
}

/** Whether the current generation was built with other edits than the stored ones (rebuild to apply). */
export function editsPending(applied: EditionEdits | undefined, stored: EditionEdits): boolean {
  const norm = (e: EditionEdits | undefined) =>
    JSON.stringify({
      excluded: [...(e?.excluded ?? [])].sort(),
      pinned: e?.pinned ?? '',
      note: e?.note ?? '',
      subject: e?.subject ?? '',
    });
  return norm(applied) !== norm(stored);
}
