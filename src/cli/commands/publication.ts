/**
 * `digest publication show|adopt`: the effective settings and where each comes from, and moving the
 * data to the publication of PUBLICATION_FILE (src/publication/). Both run on data that belongs to
 * another publication, which every other command refuses.
 */
import type { Command } from 'commander';
import { UserError } from '../../errors/user-error.ts';
import { withContainer } from '../context.ts';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

const ORIGIN_WORDS = {
  file: 'publication file',
  default: 'default',
  env: 'environment',
  stored: 'stored by the CLI/dashboard',
} as const;

export function registerPublicationCommands(program: Command): void {
  const group = program
    .command('publication')
    .description('Show the effective publication settings, or move this data to another publication.');

  group
    .command('show')
    .description(
      'Print the effective settings and where each comes from (publication file, default, environment, stored by the CLI/dashboard), the sources, and every conflict as a warning.',
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest publication show\n  PUBLICATION_FILE=./acme.json digest publication show --json',
    )
    .action((o: { json?: boolean }) =>
      withContainer(
        async (c) => {
          const { publicationReport } = await import('../../publication/publication-report.ts');
          const r = await publicationReport(c);
          if (o.json) return out(JSON.stringify(r));
          const width = Math.max(...r.settings.map((s) => s.name.length));
          out(`publication ${r.id} (${r.name}) from ${r.file}`);
          out(
            r.owner.matches
              ? `data: belongs to ${r.owner.id} since ${r.owner.since}`
              : `data: belongs to ANOTHER publication, ${r.owner.id} (see the warning)`,
          );
          for (const s of r.settings)
            out(
              `  ${s.name.padEnd(width)}  ${s.value}  [${ORIGIN_WORDS[s.origin]}${s.note ? `: ${s.note}` : ''}]`,
            );
          out('sources:');
          if (r.sources.length === 0)
            out('  none (add one to the file, or digest sources add <url-or-path>)');
          for (const s of r.sources)
            out(
              `  ${s.url}${s.topics.length ? `  topics=${s.topics.join(';')}` : ''}  [${s.origin === 'file' ? 'publication file' : s.origin === 'operator' ? 'stored by the CLI/dashboard' : 'publication file, REMOVED by an operator: not collected'}]`,
            );
          out(`subscribers with no known topic: ${r.noKnownTopic}`);
          for (const w of r.warnings) out(`warning: ${w}`);
        },
        { allowForeignData: true },
      ),
    );

  group
    .command('adopt')
    .description(
      "Move this data (DATA_DIR, or REDIS_PREFIX on REDIS_URL) to the publication of PUBLICATION_FILE. Keeps the subscribers, the suppression list and the link keys; drops the old publication's sources, articles, editions, queued jobs and stored schedule, and the demo's subscribers when it was the bundled sample.",
    )
    .option('--yes', 'really move it (required)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  PUBLICATION_FILE=./acme.json digest publication adopt --yes')
    .action((o: { yes?: boolean; json?: boolean }) =>
      withContainer(
        async (c) => {
          const { adoptPublication } = await import('../../publication/adopt-publication.ts');
          if (c.dataOwner.ok) {
            out(
              o.json
                ? JSON.stringify({ adopted: false, publication: c.publication.id })
                : `this data belongs to ${c.publication.id} already; nothing to do`,
            );
            return;
          }
          if (!o.yes)
            throw new UserError(
              `adopting drops ${c.dataOwner.owner.id}'s sources, articles and editions; run again with --yes`,
            );
          const r = (await adoptPublication(c, new Date()))!;
          if (o.json) return out(JSON.stringify({ adopted: true, ...r }));
          out(`this data now belongs to ${r.to.id} (${r.to.name}), no longer to ${r.from.id}.`);
          out(
            `  kept:    ${r.kept.subscribers} subscriber(s)${r.kept.noKnownTopic ? `, ${r.kept.noKnownTopic} of them with no known topic (digest subscribers list --no-known-topic)` : ''}, the suppression list, the link keys`,
          );
          out(
            `  dropped: ${r.dropped.sources} source(s), ${r.dropped.articles} article(s), ${r.dropped.editions} edition(s)${r.dropped.demoSubscribers ? `, ${r.dropped.demoSubscribers} demo subscriber(s)` : ''}, queued jobs and the stored schedule`,
          );
          out('  next:    digest start (it registers the sources of the publication file and its schedule)');
        },
        { allowForeignData: true },
      ),
    );
}
