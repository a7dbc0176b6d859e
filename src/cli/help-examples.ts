/**
 * `--help` with examples for every command. Commands that already add their own help text keep it;
 * this fills in the ones that have none yet, from one table, so examples do not depend on each
 * command file remembering them. Keys are command paths without `digest`.
 */
import type { Command } from 'commander';

export const FALLBACK_EXAMPLES: Record<string, string[]> = {
  '': [
    'digest start                         everything in one process (embedded Redis and outbox)',
    'digest send --now --wait             send the newest edition (else last week) now, with a progress bar',
    'digest status --json                 counts of the newest edition as JSON',
    'digest <command> --help              details and examples of one command',
  ],
  schedule: ['digest schedule show', 'digest schedule set "0 7 * * 1" --timezone Europe/Berlin'],
  'schedule show': ['digest schedule show', 'digest schedule show --json'],
  sources: ['digest sources add https://example.com/feed.xml', 'digest sources list --json'],
  'sources list': ['digest sources list', 'digest sources list --json'],
  'sources remove': ['digest sources remove https://example.com/feed.xml'],
  articles: ['digest articles list', 'digest articles add --file articles.json'],
  subscribers: ['digest subscribers list --status active --json', 'digest subscribers show ann@example.com'],
  'subscribers show': [
    'digest subscribers show ann@example.com',
    'digest subscribers show ann@example.com --json',
  ],
  'subscribers list': [
    'digest subscribers list --status bounced',
    'digest subscribers list --search example.com --json',
  ],
  'subscribers forget': ['digest subscribers forget ann@example.com --yes'],
  'subscribers export': ['digest subscribers export > subscribers.csv'],
};

/** Adds an "Examples" block to every command (root included) that has no help text of its own. */
export function addMissingExamples(program: Command): string[] {
  const missing: string[] = [];
  const visit = (cmd: Command, path: string[]) => {
    const key = path.join(' ');
    // addHelpText registers an `afterHelp` listener: a command with one already has its own text.
    const events = cmd as unknown as NodeJS.EventEmitter;
    if (events.listenerCount('afterHelp') === 0 && events.listenerCount('afterAllHelp') === 0) {
      const examples = FALLBACK_EXAMPLES[key];
      if (examples) cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`);
      else if (cmd.name() !== 'help') missing.push(key);
    }
    for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return missing;
}
