/** `digest collect`: run the collect step now and report per source. */
import type { Command } from 'commander';
import { collectAll } from '../../collect/collect-all.ts';
import { formatReport } from '../../collect/collect-report.ts';
import { withContainer } from '../context.ts';

export function registerCollectCommand(program: Command): void {
  program
    .command('collect')
    .description(
      'Fetch every source now and store new and updated articles. Reports per source: new, updated, unchanged, errors. Exit code 1 when a source failed.',
    )
    .option('--json', 'print the per-source report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest collect\n  digest collect --json | jq ".[] | select(.status == \\"error\\")"',
    )
    .action((o: { json?: boolean }) =>
      withContainer(async (c) => {
        const reports = await collectAll(
          {
            sources: c.sources,
            articles: c.articles,
            fetchFeed: c.fetchFeed,
            publication: c.publication,
            logger: c.logger,
          },
          new Date(),
        );
        process.stdout.write(`${o.json ? JSON.stringify(reports) : formatReport(reports)}\n`);
        if (reports.some((r) => r.status === 'error')) process.exitCode = 1;
      }),
    );
}
