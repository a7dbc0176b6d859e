/** `digest sources add|list|remove`: the feeds (URLs or local files) the collect step reads. */
import type { Command } from 'commander';
import { UserError } from '../../errors/user-error.ts';
import type { Source } from '../../sources/source.ts';
import { parseSourceLocation, sourceIdFor } from '../../sources/source-location.ts';
import { withContainer } from '../context.ts';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

const collectTopic = (value: string, previous: string[] = []) => [...previous, value];

export function describeSource(s: Source): string {
  const last = s.lastFetch
    ? `last ${s.lastFetch.at} ${s.lastFetch.status}: new ${s.lastFetch.new}, updated ${s.lastFetch.updated}, unchanged ${s.lastFetch.unchanged}${s.lastFetch.errors.length ? `, ${s.lastFetch.errors[0]}` : ''}`
    : 'never collected';
  const origin = s.origin === 'file' ? 'publication file' : 'added by an operator';
  return `${s.id}  ${s.url}${s.topics.length ? `  topics=${s.topics.join(';')}` : ''}  (${origin})\n    ${last}`;
}

export function registerSourceCommands(program: Command): void {
  const group = program
    .command('sources')
    .description('Add, list and remove the feeds articles are collected from.');

  group
    .command('add')
    .description('Add an RSS, RDF, Atom or JSON Feed source by URL or local file path.')
    .argument('<url-or-path>', 'http(s) URL of the feed, or a path to a feed file')
    .option('--topic <id>', 'give every article of this source a topic (repeatable)', collectTopic)
    .option('--json', 'print the source as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest sources add https://www.nasa.gov/feed/ --topic launch\n  digest sources add ./exports/feed.xml',
    )
    .action((input: string, o: { topic?: string[]; json?: boolean }) =>
      withContainer(async (c) => {
        const location = parseSourceLocation(input);
        const known = new Set(c.publication.topics.map((t) => t.id));
        const unknown = (o.topic ?? []).find((t) => !known.has(t));
        if (unknown !== undefined) {
          throw new UserError(`unknown topic "${unknown}" (known: ${[...known].join(', ')})`);
        }
        await c.sources.syncFromFile(c.publication.sources, new Date());
        const inFile = c.publication.sources.find((s) => s.url === location.url);
        const topics = o.topic ?? [];
        if (inFile && (await c.sources.get(sourceIdFor(location.url))) && o.topic !== undefined)
          throw new UserError(
            `${location.url} is a source of the publication file (${c.publicationFile}); change its topics there`,
          );
        const source = await c.sources.add({
          ...location,
          topics: inFile ? (inFile.topics ?? []) : topics,
          origin: inFile ? 'file' : 'operator',
        });
        out(o.json ? JSON.stringify(source) : `added: ${describeSource(source)}`);
      }),
    );

  group
    .command('list')
    .description('List the sources with the result of their last collect.')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withContainer(async (c) => {
        await c.sources.syncFromFile(c.publication.sources, new Date());
        const sources = await c.sources.list();
        if (o.json) return out(JSON.stringify(sources));
        out(
          sources.length
            ? sources.map(describeSource).join('\n')
            : 'No sources. Add one with: digest sources add <url-or-path>',
        );
      }),
    );

  group
    .command('remove')
    .description(
      'Remove a source (its articles already collected are kept). A source of the publication file stays removed and is reported as a conflict until it is taken out of the file or added again.',
    )
    .argument('<id-or-url>', 'the source id from `digest sources list`, or its URL/path')
    .option('--json', 'print the result as JSON')
    .action((idOrUrl: string, o: { json?: boolean }) =>
      withContainer(async (c) => {
        await c.sources.syncFromFile(c.publication.sources, new Date());
        let removed = await c.sources.remove(idOrUrl.trim());
        if (!removed) {
          try {
            removed = await c.sources.remove(parseSourceLocation(idOrUrl).url);
          } catch {
            // not a URL or an existing path either: report it as unknown below
          }
        }
        if (!removed) throw new UserError(`no source "${idOrUrl}" (see digest sources list)`, 1);
        out(o.json ? JSON.stringify({ removed: idOrUrl }) : `removed: ${idOrUrl}`);
      }),
    );
}
