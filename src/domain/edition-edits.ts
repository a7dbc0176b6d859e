/**
 * What an editor changed about one edition. Stored per edition, applied by the next (re)build of its
 * draft: the send, the previews and the web version all show the generation they were built into.
 */
export interface EditionEdits {
  /** Article ids left out of this edition. */
  excluded: string[];
  /** An article shown first among the top stories of every variant that has it. */
  pinned: string | undefined;
  /** A short intro in Markdown (rendered without raw HTML). */
  note: string | undefined;
  /** Replaces the generated subject line. */
  subject: string | undefined;
}

export const NO_EDITS: EditionEdits = {
  excluded: [],
  pinned: undefined,
  note: undefined,
  subject: undefined,
};
