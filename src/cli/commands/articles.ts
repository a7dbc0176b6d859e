/** `digest articles list|add`: what collect stored, and articles pushed by hand. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { editionIdFor, editionWindow } from '../../core/edition-window.ts';
import type { Article } from '../../domain/article.ts';
import { UserError } from '../../errors/user-error.ts';
import { withContainer } from '../context.ts';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

const oneLine = (a: Article) =>
  `${a.publishedAt.slice(0, 16).replace('T', ' ')}  ${a.title}\n    ${a.url}  topics=${a.topics.join(';') || '-'}${a.brief.length ? `  brief=${a.brief.length}` : ''}`;

export function registerArticleCommands(program: Command): void {
  const group = program
    .command('articles')
    .description('List collected articles; add articles from a JSON file.');

  group
    .command('list')
    .description("List the articles of an edition's week (default: the current week), newest first.")
    .option('--edition <id>', 'edition id such as 2026-W47')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest articles list --edition 2026-W47\n  digest articles list --json',
    )
    .action((o: { edition?: string; json?: boolean }) =>
      withContainer(async (c) => {
        const { timezone, weekStartsOn } = c.publication;
        const edition = o.edition?.trim() ?? editionIdFor(new Date(), timezone, weekStartsOn);
        let window: { start: Date; end: Date };
        try {
          window = editionWindow(edition, timezone, weekStartsOn);
        } catch (err) {
          throw new UserError(`--edition: ${(err as Error).message}`);
        }
        const articles = await c.articles.listInWindow(window.start, window.end);
        if (o.json) return out(JSON.stringify({ edition, start: window.start, end: window.end, articles }));
        out(
          `${edition}: ${articles.length} article(s) from ${window.start.toISOString()} to ${window.end.toISOString()}`,
        );
        for (const a of articles) out(oneLine(a));
      }),
    );

  group
    .command('add')
    .description(
      'Add articles from a JSON file: one article, an array, or {"articles": [...]}. Fields: title, url, publishedAt, author, html or text, brief, imageUrl, imageAlt, topics, categories, guid.',
    )
    .requiredOption('--file <path>', 'the JSON file')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  digest articles add --file a.json\n  a.json: {"title": "Ariane 6 flies", "url": "https://example.com/a6", "publishedAt": "2026-11-18T09:00:00Z", "topics": ["launch"]}',
    )
    .action((o: { file: string; json?: boolean }) => {
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(o.file, 'utf8'));
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new UserError(
          `--file ${o.file}: ${e.code ? `cannot read it (${e.code})` : `not valid JSON (${e.message})`}`,
        );
      }
      return withContainer(async (c) => {
        // Imported when the command runs, not at start-up: `digest --help` loads none of it (BENCHMARKS.md).
        const { ArticleInputError, pushArticles } = await import('../../articles/article-input.ts');
        try {
          const result = await pushArticles(c.articles, c.publication, input, new Date());
          out(
            o.json
              ? JSON.stringify(result)
              : `new ${result.new}, updated ${result.updated}, unchanged ${result.unchanged}`,
          );
        } catch (err) {
          if (err instanceof ArticleInputError) throw new UserError(`--file ${o.file}: ${err.message}`);
          throw err;
        }
      });
    });
}
