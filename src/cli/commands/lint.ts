/** `digest lint <edition>`: the pre-send lint of a built edition (src/lint/), exit code 1 on errors. */
import type { Command } from 'commander';
import { withContainer } from '../context.ts';

export function registerLintCommand(program: Command): void {
  program
    .command('lint <edition>')
    .description(
      "Check a built edition before sending: each variant's HTML size against Gmail's 102 KB clip, text part, image sizes and alt text, unsubscribe link, postal address; --check-links asks every link.",
    )
    .option('--check-links', 'also request every link and image (bounded, through the SSRF guard)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExamples:\n  digest lint 2026-W47\n  digest lint 2026-W47 --check-links --json')
    .action((edition: string, o: { checkLinks?: boolean; json?: boolean }) =>
      withContainer(async (c) => {
        // Imported when the command runs, not at start-up: `digest --help` loads none of it (BENCHMARKS.md).
        const { lintDeps } = await import('../../app/step-deps.ts');
        const { checkEditionId } = await import('../../delivery/edition-control.ts');
        const { lintStoredEdition } = await import('../../lint/lint-stored-edition.ts');
        const id = checkEditionId(c.publication, edition);
        const report = await lintStoredEdition(lintDeps(c), id, { checkLinks: !!o.checkLinks });
        if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
          const status = (await c.editions.get(id))?.status ?? 'draft';
          const lines = [headline(id, status, report.ok)];
          for (const v of report.variants) {
            lines.push(
              `  ${v.key}: HTML ${(v.htmlBytes / 1024).toFixed(1)} KB, text ${(v.textBytes / 1024).toFixed(1)} KB, ${v.images} images, ${v.links} links`,
            );
          }
          if (report.linksChecked !== undefined) {
            lines.push(
              `  links checked: ${report.linksChecked}${report.linksSkipped ? ` (${report.linksSkipped} left out)` : ''}`,
            );
          }
          for (const f of report.findings) {
            lines.push(
              `${f.level === 'error' ? 'error  ' : 'warning'} ${f.variant ? `[${f.variant}] ` : ''}${f.message}`,
            );
          }
          lines.push(`${report.errors} errors, ${report.warnings} warnings`);
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (!report.ok) process.exitCode = 1;
      }),
    );
}

/** "Ready to send" only for a draft: a sent edition's lint is about what went out, and says so. */
function headline(id: string, status: string, ok: boolean): string {
  const verdict = ok ? 'no errors' : 'errors below';
  if (status === 'sent') return `edition ${id} was sent already: ${verdict} in what went out`;
  if (status === 'sending' || status === 'paused')
    return `edition ${id} is ${status}: ${verdict} in what is going out`;
  if (status === 'cancelled')
    return `edition ${id} is cancelled: ${ok ? `ready to send once reopened (digest reopen ${id})` : 'NOT ready to send'}`;
  return `edition ${id}: ${ok ? 'ready to send' : 'NOT ready to send'}`;
}
