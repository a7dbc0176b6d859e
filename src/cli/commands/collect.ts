/** `digest collect`: run the collect step now and report per source. */
import type { Command } from 'commander';
import type { Container } from '../../app/container.ts';
import type { SourceReport } from '../../collect/collect-report.ts';
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
        // Imported when the command runs, not at start-up: `digest --help` loads none of it (BENCHMARKS.md).
        const { collectDeps } = await import('../../app/step-deps.ts');
        const { collectAll } = await import('../../collect/collect-all.ts');
        const { hasWorkers } = await import('../../queues/queues.ts');
        // Through the queue when workers run (they hold the retry policy), directly otherwise.
        const reports = (await hasWorkers(c.queues.collect))
          ? await collectThroughQueue(c)
          : await collectAll(collectDeps(c), new Date());
        process.stdout.write(`${o.json ? JSON.stringify(reports) : formatReport(reports)}\n`);
        if (reports.some((r) => r.status === 'error')) process.exitCode = 1;
      }),
    );
}

async function collectThroughQueue(c: Container): Promise<SourceReport[]> {
  const { QueueEvents } = await import('bullmq');
  const { bullPrefix, QUEUES } = await import('../../queues/queue-names.ts');
  const events = new QueueEvents(QUEUES.collect, {
    connection: c.newRedisConnection(),
    prefix: bullPrefix(c.prefix, QUEUES.collect),
  });
  try {
    await events.waitUntilReady();
    const job = await c.queues.collect.add('collect-all', {}, { removeOnComplete: 100, removeOnFail: 100 });
    return (await job.waitUntilFinished(events, 10 * 60_000)) as SourceReport[];
  } finally {
    await events.close();
  }
}
