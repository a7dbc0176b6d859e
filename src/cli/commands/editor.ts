/**
 * The editor's commands: `digest build W` (a draft, or its next generation), `digest edit W`
 * (exclude/include articles, pin, note, subject; applied by the next build), `digest approve W` (the
 * review gate) and `digest reopen W` (a cancelled edition that reached nobody, as a draft again).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { EditionEdits } from '../../domain/edition-edits.ts';
import type { EditChange } from '../../editions/edit-edition.ts';
import { UserError } from '../../errors/user-error.ts';
import { withContainer } from '../context.ts';

/** What the actions use, imported when one runs: `digest --help` loads none of it (BENCHMARKS.md). */
const heavy = async () => ({
  ...(await import('../../app/step-deps.ts')),
  ...(await import('../../delivery/edition-control.ts')),
  ...(await import('../../editions/edit-edition.ts')),
});

const print = (json: boolean, value: unknown, text: string) =>
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

export function registerEditorCommands(program: Command): void {
  program
    .command('build <edition>')
    .description(
      'Build an edition as a draft (operators only), or build its draft again from the current articles, edits and subscribers.',
    )
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  digest build 2026-W47\n  digest build 2026-W47 --json')
    .action((edition: string, o: { json?: boolean }) =>
      withContainer(async (c) => {
        const { checkEditionId, controlDeps, rebuildEdition } = await heavy();
        const id = checkEditionId(c.publication, edition);
        const { edition: e } = await rebuildEdition(controlDeps(c), id, new Date());
        const summary = {
          edition: id,
          status: e.status,
          generation: e.generation ?? 1,
          articles: e.articleIds.length,
          recipients: e.recipientCount,
          variants: e.variantKeys.length,
        };
        // The dashboard is the running server's: its PUBLIC_URL (or listening address), not this command's PORT.
        const { serverUrlKey } = await import('../../redis/key-layout.ts');
        const base = c.config.publicUrl ?? (await c.redis.get(serverUrlKey(c.prefix))) ?? c.publicUrl;
        print(
          !!o.json,
          summary,
          `edition ${id}: draft, generation ${summary.generation}: ${summary.articles} articles, ${summary.recipients} recipients, ${summary.variants} variants\n  preview: ${base}/admin/editions/${id}  ·  digest test-send ${id} --to you@example.com`,
        );
      }),
    );

  program
    .command('reopen <edition>')
    .description('Reopen a cancelled edition that reached nobody: it is built again as a draft.')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  digest reopen 2026-W47')
    .action((edition: string, o: { json?: boolean }) =>
      withContainer(async (c) => {
        const { checkEditionId, controlDeps, rebuildEdition } = await heavy();
        const id = checkEditionId(c.publication, edition);
        const { edition: e } = await rebuildEdition(controlDeps(c), id, new Date(), 'reopen');
        print(
          !!o.json,
          { edition: id, status: e.status, generation: e.generation ?? 1 },
          `edition ${id} reopened as a draft (generation ${e.generation ?? 1})`,
        );
      }),
    );

  program
    .command('approve <edition>')
    .description(
      'Approve a draft (the review gate): each delivery goes at its due hour, or at once when that has passed.',
    )
    .option('--json', 'print JSON')
    .option('--force', 'approve an edition of the current week, or one older than MAX_EDITION_AGE_DAYS')
    .addHelpText('after', '\nExample:\n  digest approve 2026-W47')
    .action((edition: string, o: { json?: boolean; force?: boolean }) =>
      withContainer(async (c) => {
        const { approveEdition, checkEditionId, controlDeps, editionStatus } = await heavy();
        const id = checkEditionId(c.publication, edition);
        const now = new Date();
        const r = await approveEdition(controlDeps(c), id, 'cli', {
          immediate: false,
          force: !!o.force,
          now,
        });
        const report = await editionStatus(controlDeps(c), id, now);
        print(
          !!o.json,
          { edition: id, status: report.status, queued: r.dispatched, publicFrom: report.publicFrom },
          `edition ${id} approved: ${r.dispatched} deliveries queued at their hours (a worker sends them: digest start or digest worker)`,
        );
      }),
    );

  program
    .command('edit <edition>')
    .description(
      "Change a draft: leave articles out or put them back, pin a story, an editor's note, the subject. Applied by the next `digest build`.",
    )
    .option('--exclude <ids>', 'article ids to leave out (comma-separated, repeatable)', list)
    .option('--include <ids>', 'article ids to put back (comma-separated, repeatable)', list)
    .option('--pin <id>', 'article id to show first ("" to unpin)')
    .option('--note <markdown>', 'a short intro in Markdown ("" to remove)')
    .option('--note-file <path>', 'the note from a Markdown file')
    .option('--subject <text>', 'the subject line ("" for the generated one)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest edit 2026-W47 --exclude 3f2a9c0d1e4b5a6c7d8e --pin 0a1b2c3d4e5f60718293\n  digest edit 2026-W47 --note "A **big** week for the Moon." --subject "Artemis week"\n  digest edit 2026-W47    (shows the edits)',
    )
    .action(
      (
        edition: string,
        o: {
          exclude?: string[];
          include?: string[];
          pin?: string;
          note?: string;
          noteFile?: string;
          subject?: string;
          json?: boolean;
        },
      ) => {
        if (o.note !== undefined && o.noteFile !== undefined)
          throw new UserError('give either --note or --note-file, not both');
        let note = o.note;
        if (o.noteFile !== undefined) {
          try {
            note = readFileSync(o.noteFile, 'utf8');
          } catch (err) {
            throw new UserError(
              `--note-file ${o.noteFile}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
            );
          }
        }
        return withContainer(async (c) => {
          const { checkEditionId, editEdition, editsPending } = await heavy();
          const id = checkEditionId(c.publication, edition);
          const change: EditChange = {
            exclude: o.exclude,
            include: o.include,
            pin: o.pin,
            note,
            subject: o.subject,
          };
          const edits = await editEdition(c, id, change);
          const stored = await c.editions.get(id);
          const pending = stored ? editsPending(stored.edits, edits) : true;
          print(!!o.json, { edition: id, edits, pending }, describeEdits(id, edits, pending, !!stored));
        });
      },
    );
}

function describeEdits(id: string, e: EditionEdits, pending: boolean, built: boolean): string {
  return [
    `edition ${id} edits:`,
    `  excluded: ${e.excluded.length ? e.excluded.join(', ') : 'none'}`,
    `  pinned: ${e.pinned ?? 'none'}`,
    `  subject: ${e.subject ?? '(generated)'}`,
    `  note: ${e.note ? JSON.stringify(e.note.length > 80 ? `${e.note.slice(0, 79)}…` : e.note) : 'none'}`,
    pending
      ? built
        ? `  not in the draft yet: digest build ${id} to apply them`
        : `  applied when the edition is built (digest build ${id})`
      : '  the draft has them',
  ].join('\n');
}
