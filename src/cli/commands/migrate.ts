/** `digest migrate`: moves data written by an older version to today's key layout (once, on upgrade). */
import type { Command } from 'commander';
import { UserError } from '../../errors/user-error.ts';
import { withContainer } from '../context.ts';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      'Move the data of an older version to the new Redis key layout (stop every digest process first). Safe to run again: on migrated data it changes nothing.',
    )
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExamples:\n  digest migrate\n  REDIS_URL=redis://db:6379 digest migrate --json')
    .action((o: { json?: boolean }) =>
      withContainer(
        async (c) => {
          const { migrateLayout } = await import('../../redis/migrate-layout.ts');
          const { MigrationBlockedError, moveLegacyQueueJobs } = await import(
            '../../queues/move-queue-jobs.ts'
          );
          // The queues first: their move refuses while a digest process still runs on this data.
          const queues = await moveLegacyQueueJobs(c.redis, c.prefix, c.queues).catch((err: unknown) => {
            if (err instanceof MigrationBlockedError) throw new UserError(err.message, 2);
            throw err;
          });
          const report = await migrateLayout(c.redis, c.prefix);
          const jobs = Object.values(queues.moved).reduce((a, b) => a + (b ?? 0), 0);
          if (o.json) return out(JSON.stringify({ ...report, queuedJobs: jobs }));
          const moved = queues.found ? `; ${jobs} queued jobs moved to the new queue names` : '';
          if (report.result === 'current')
            return out(
              queues.found ? `queues moved${moved}` : 'already on the current key layout: nothing to do',
            );
          if (report.result === 'fresh')
            return out(`no data yet: the current key layout is recorded${moved}`);
          out(
            `migrated to the current key layout: ${report.subscribers} subscribers, ${report.editions} editions (${report.deliveries} deliveries), ${report.articles} articles, ${report.sources} sources${moved}`,
          );
        },
        { skipLayoutCheck: true },
      ),
    );
}
