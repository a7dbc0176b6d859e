/**
 * The data of the edition page's lint panel (templates/admin/partials/lint-panel.hbs): the lint
 * report with sizes in KB for people. `?check_links=1` on the page runs the network check too.
 */
import type { Container } from '../../../app/container.ts';
import { lintDeps } from '../../../app/step-deps.ts';
import { UserError } from '../../../errors/user-error.ts';
import { lintStoredEdition } from '../../../lint/lint-stored-edition.ts';

export async function lintPanel(c: Container, editionId: string, query: unknown) {
  const checkLinks = (query as { check_links?: unknown } | undefined)?.check_links === '1';
  try {
    const report = await lintStoredEdition(lintDeps(c), editionId, { checkLinks });
    return {
      ...report,
      variants: report.variants.map((v) => ({
        ...v,
        kb: (v.htmlBytes / 1024).toFixed(1),
        kbValue: Math.min(102, v.htmlBytes / 1024).toFixed(1),
        textKb: (v.textBytes / 1024).toFixed(1),
      })),
    };
  } catch (err) {
    if (err instanceof UserError) return { unavailable: err.message };
    throw err;
  }
}
