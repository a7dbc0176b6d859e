/**
 * A refusal a reader may see (a field of the sign-up form or the preference center): the English line
 * operators read (CLI, CSV import, API) and the catalogue key with its values, so a page can say the
 * same thing in the reader's language (`problemText`). Each key is written out whole at its
 * `refusal` call (its first argument), where the catalogue check (tests/unit/message-catalogues.test.ts) finds it.
 */
import type { MessageValues, Translator } from './translator.ts';

export interface ReaderProblem {
  key: string;
  values?: MessageValues | undefined;
}

export interface Refusal {
  ok: false;
  /** English, for operators: "hour \"25\" is not a whole hour from 0 to 23". */
  reason: string;
  /** What a reader reads instead; absent where no reader can cause the refusal. */
  problem?: ReaderProblem | undefined;
}

export const refusal = (key: string, reason: string, values?: MessageValues): Refusal => ({
  ok: false,
  reason,
  problem: { key, values },
});

/** The refusal in the reader's language; one without a key shows its English line (never nothing). */
export function problemText(refused: Refusal, messages: Translator): string {
  return refused.problem ? messages.t(refused.problem.key, refused.problem.values) : refused.reason;
}
