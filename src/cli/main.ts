/**
 * The `digest` command. Each subcommand group lives in src/cli/commands/ and registers itself here.
 * Errors end as one readable line on stderr (never a stack trace) and an exit code that means
 * something: 0 ok, 1 failed work (deliveries, sources), 2 bad usage or configuration.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../errors/config-error.ts';
import { UserError } from '../errors/user-error.ts';
import { addMissingExamples } from './help-examples.ts';

type Register = (program: Command) => void;

/**
 * Command groups, loaded only when their command runs: `digest worker` never loads the CLI's CSV or
 * preview code, and `--help` stays quick. `names` are the top-level commands each group adds.
 */
const GROUPS: Array<{ names: string[]; load: () => Promise<Register> }> = [
  {
    names: ['start', 'worker', 'serve', 'inbound'],
    load: async () => (await import('./commands/run.ts')).registerRunCommands,
  },
  {
    names: [
      'send',
      'status',
      'pause',
      'resume',
      'cancel',
      'retry',
      'resend-uncertain',
      'test-send',
      'schedule',
    ],
    load: async () => (await import('./commands/send.ts')).registerSendCommands,
  },
  {
    names: ['build', 'reopen', 'approve', 'edit'],
    load: async () => (await import('./commands/editor.ts')).registerEditorCommands,
  },
  {
    names: ['publication'],
    load: async () => (await import('./commands/publication.ts')).registerPublicationCommands,
  },
  { names: ['sources'], load: async () => (await import('./commands/sources.ts')).registerSourceCommands },
  { names: ['articles'], load: async () => (await import('./commands/articles.ts')).registerArticleCommands },
  { names: ['collect'], load: async () => (await import('./commands/collect.ts')).registerCollectCommand },
  { names: ['preview'], load: async () => (await import('./commands/preview.ts')).registerPreviewCommand },
  { names: ['lint'], load: async () => (await import('./commands/lint.ts')).registerLintCommand },
  { names: ['migrate'], load: async () => (await import('./commands/migrate.ts')).registerMigrateCommand },
  {
    names: ['subscribers'],
    load: async () => (await import('./commands/subscribers.ts')).registerSubscriberCommands,
  },
];

/** Builds the program with the groups `argv` needs (all of them for help or an unknown command). */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('digest')
    .description(
      'newsletter-digest: collect a week of articles, render a digest per topic set, send it to every subscriber once.\n' +
        'A command that takes an edition and is given none uses the newest edition that exists (draft, sending, sent...), else last week.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    // Bold headings; Commander strips them again when the output is not a colour TTY.
    .configureHelp({ styleTitle: (title) => `\x1b[1m${title}\x1b[22m` })
    .exitOverride();
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = GROUPS.filter((g) => first !== undefined && g.names.includes(first));
  for (const group of wanted.length ? wanted : GROUPS) (await group.load())(program);
  addMissingExamples(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander printed its own message already (help, version, usage errors).
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${errorPrefix()} configuration error: ${oneLine(err.message)}\n`);
    return 2;
  }
  if (err instanceof UserError) {
    process.stderr.write(`${errorPrefix()} ${oneLine(err.message)}\n`);
    return err.exitCode;
  }
  const e = err as Error & { code?: string };
  process.stderr.write(
    `${errorPrefix()} ${oneLine(e.message ?? String(err))}${e.code ? ` (${e.code})` : ''}\n`,
  );
  return 1;
}

/** `digest:` in red on a colour terminal; plain when piped or logged, so no control characters land in files. */
function errorPrefix(stream: NodeJS.WriteStream = process.stderr): string {
  return stream.isTTY && stream.hasColors?.() ? '\x1b[31mdigest:\x1b[39m' : 'digest:';
}

/** One line, whatever a library put in its message. */
const oneLine = (message: string) => message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
