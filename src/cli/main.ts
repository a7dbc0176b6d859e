/**
 * The `digest` command. Each subcommand group lives in src/cli/commands/ and registers itself here.
 * Errors end as one readable line on stderr (never a stack trace) and an exit code that means
 * something: 0 ok, 1 failed work (deliveries, sources), 2 bad usage or configuration.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../errors/config-error.ts';
import { UserError } from '../errors/user-error.ts';
import { registerArticleCommands } from './commands/articles.ts';
import { registerCollectCommand } from './commands/collect.ts';
import { registerPreviewCommand } from './commands/preview.ts';
import { registerRunCommands } from './commands/run.ts';
import { registerSendCommands } from './commands/send.ts';
import { registerSourceCommands } from './commands/sources.ts';
import { registerSubscriberCommands } from './commands/subscribers.ts';

export function buildProgram(): Command {
  const program = new Command('digest')
    .description(
      'newsletter-digest: collect a week of articles, render a digest per topic set, send it to every subscriber once.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();
  registerRunCommands(program);
  registerSendCommands(program);
  registerSourceCommands(program);
  registerArticleCommands(program);
  registerCollectCommand(program);
  registerPreviewCommand(program);
  registerSubscriberCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
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
    process.stderr.write(`digest: configuration error: ${err.message}\n`);
    return 2;
  }
  if (err instanceof UserError) {
    process.stderr.write(`digest: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error & { code?: string };
  process.stderr.write(`digest: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}\n`);
  return 1;
}
