/** `digest articles list|add`: what collect stored, and articles pushed by hand. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type ArticleListOptions,
  articleListQuery,
  selectArticles,
} from '../../articles/article-list-query.ts';
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
    .description(
      "List articles, newest first: an edition's week (default: the newest edition, else last week, as send, status and preview), or everything since a date.",
    )
    .option('--edition <id>', 'edition id such as 2026-W47 (default: the newest edition, else last week)')
    .option(
      '--since <date>',
      'everything published since this date, such as 2026-11-01 (instead of --edition)',
    )
    .option('--source <id-or-url>', 'only the articles of this source (`api` for those added by hand)')
    .option('--limit <n>', 'at most this many (the newest)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest articles list --edition 2026-W47\n  digest articles list --since 2026-10-01 --source https://example.com/feed.xml --limit 20\n  digest articles list --json',
    )
    .action((o: ArticleListOptions & { json?: boolean }) =>
      withContainer(async (c) => {
        const { defaultEdition } = await import('../../editions/default-edition.ts');
        const now = new Date();
        const fallback =
          o.edition === undefined && o.since === undefined
            ? await defaultEdition(c.editions, c.publication, now)
            : undefined;
        const query = articleListQuery(o, c.publication, now, fallback);
        if (!query.ok) throw new UserError(query.reason);
        const sources = await c.sources.list();
        if (
          query.source &&
          query.source !== 'api' &&
          !sources.some((s) => s.id === query.source || s.url === query.source)
        )
          throw new UserError(
            `--source "${query.source}" is no source of this publication (see digest sources list)`,
          );
        const articles = selectArticles(
          await c.articles.listInWindow(query.start, query.end),
          query,
          sources,
        );
        if (o.json)
          return out(
            JSON.stringify({
              edition: o.since ? undefined : query.label,
              since: o.since,
              start: query.start,
              end: query.end,
              articles,
            }),
          );
        out(
          `${query.label}: ${articles.length} article(s) from ${query.start.toISOString()} to ${query.end.toISOString()}${query.source ? ` from ${query.source}` : ''}`,
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
