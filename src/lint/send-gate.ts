/**
 * The send gate: a draft whose lint finds errors (a clipped HTML part, no unsubscribe link, an image
 * without alt...) is not sent unless the operator forces it (`digest send --force`, `force` in the
 * dashboard and the API). It is one of startSend's pre-send checks (src/delivery/edition-control.ts,
 * wired in src/app/step-deps.ts), so every way into a send meets it after the draft is built and
 * before its first delivery is queued. No network: the link check stays opt-in (`digest lint --check-links`).
 */
import type { PreSendCheck } from '../delivery/edition-control.ts';
import { UserError } from '../errors/user-error.ts';
import { type LintDeps, lintStoredEdition, lintSummary } from './lint-stored-edition.ts';

export function lintBeforeSend(deps: LintDeps): PreSendCheck {
  return async (edition, options) => {
    if (options.force) return;
    const report = await lintStoredEdition(deps, edition.id, { checkLinks: false });
    if (!report.ok) {
      throw new UserError(
        `edition ${edition.id} was not sent: lint found ${lintSummary(report)}. See \`digest lint ${edition.id}\`; fix them, or send anyway with --force`,
        1,
        {
          dashboard: `Edition ${edition.id} was not sent: the pre-send check found ${lintSummary(report)} (listed on this page). Fix them, or tick "force" to send anyway.`,
        },
      );
    }
  };
}
