/**
 * Lints a built edition as its readers would get it: each stored variant filled for a sample reader
 * (a long name and address, links as long as real signed ones, so the size is the size sent), then
 * `lintEdition`; with `checkLinks`, every link and image that is not our own goes through the
 * network check first. Used by `digest lint`, `GET /api/editions/:id/lint`, the edition page's panel
 * and the send gate.
 */
import type { Publication } from '../domain/publication.ts';
import type { EditionStore } from '../editions/edition-store.ts';
import { UserError } from '../errors/user-error.ts';
import { compilePersonaliser } from '../render/personalise.ts';
import { checkableLinks, type LintReport, type LintVariant, lintEdition } from './edition-lint.ts';
import type { LinkChecker } from './link-check.ts';

export interface LintDeps {
  editions: Pick<EditionStore, 'get' | 'variants'>;
  publication: Pick<Publication, 'postalAddress'>;
  publicUrl: string;
  /** The network check; only called when asked for. */
  checkLinks?: LinkChecker | undefined;
}

/** As long as a real v2 signed link (payload and tag in base64url). */
const SAMPLE_TOKEN = `${'lintSampleToken'.repeat(4)}.${'tag'.repeat(8)}`;

export async function lintStoredEdition(
  deps: LintDeps,
  editionId: string,
  options: { checkLinks: boolean },
): Promise<LintReport & { linksSkipped: number }> {
  const edition = await deps.editions.get(editionId);
  if (!edition) throw new UserError(`edition ${editionId} is not built yet: build it first, then lint it`);
  const base = deps.publicUrl.replace(/\/+$/, '');
  const unsubscribeUrl = `${base}/u/${SAMPLE_TOKEN}`;
  const variants: LintVariant[] = (await deps.editions.variants(editionId)).map((v) => {
    const filled = compilePersonaliser(v)({
      name: 'Alexandra Example-Reader',
      email: 'alexandra.example-reader@example-mail.com',
      unsubscribeUrl,
      preferencesUrl: `${base}/p/${SAMPLE_TOKEN}`,
    });
    return { key: v.key, html: filled.html, text: filled.text, unsubscribeUrl };
  });
  let links: Awaited<ReturnType<LinkChecker>> | undefined;
  if (options.checkLinks) {
    if (!deps.checkLinks) throw new UserError('the link check is not available in this process');
    // Our own pages (web version, preferences) are not the articles' links, and a draft's web version
    // is not public yet.
    links = await deps.checkLinks(checkableLinks(variants, (url) => url.startsWith(`${base}/`)));
  }
  const report = lintEdition({
    editionId,
    postalAddress: deps.publication.postalAddress,
    variants,
    links: links?.answers,
  });
  return { ...report, linksSkipped: links?.skipped ?? 0 };
}

/** One line for a person: "2 errors, 1 warning" and the first error. */
export function lintSummary(report: LintReport): string {
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const first = report.findings.find((f) => f.level === 'error');
  return `${count(report.errors, 'error')}, ${count(report.warnings, 'warning')}${
    first ? `; first: ${first.variant ? `[${first.variant}] ` : ''}${first.message}` : ''
  }`;
}
