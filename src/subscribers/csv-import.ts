/**
 * Streaming CSV import (csv-parse): header row, columns (separated by `,` or `;`, as the header is) email, name, topics (`;`- or `,`-separated), timezone,
 * hour, status, locale (a tag with a catalogue, e.g. `de` or `pt-BR`; empty: the publication's); other columns are ignored (so an export imports again, its formula guard taken off:
 * csv-formula-guard.ts). Each row is validated alone;
 * a bad row is reported with its line number and reason and the rest go on. Good rows are written in
 * pipelined chunks, each subscriber atomically (whole or not at all), so nothing is half-written.
 */
import { type Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import type { Publication } from '../domain/publication.ts';
import { sniffCsvDelimiter } from './csv-delimiter.ts';
import { unguardFormula } from './csv-formula-guard.ts';
import { checkOperatorSubscriber, type RawSubscriber } from './subscriber-input.ts';
import type { NewSubscriber, SubscriberStore } from './subscriber-store.ts';

export const IMPORT_COLUMNS = ['email', 'name', 'topics', 'timezone', 'hour', 'status', 'locale'] as const;

export interface RejectedRow {
  /** Line of the file, 1 = the header. */
  line: number;
  reason: string;
}

export interface ImportReport {
  /** Data rows read (header not counted). */
  rows: number;
  imported: number;
  rejected: RejectedRow[];
}

export interface ImportOptions {
  /** Rows without a status become `active` with the operator's consent. */
  confirmed: boolean;
  now: Date;
  /** Rows per Redis pipeline (default 1000). */
  chunkSize?: number;
  /** Called after each written chunk (progress display). */
  onProgress?: (report: ImportReport) => void;
  /**
   * Called after each written chunk with the ids it created `pending` (double opt-in: the caller mails
   * them the confirmation, opt-in-mail.ts). The next chunk is written when it resolves.
   */
  onPending?: (subscriberIds: string[]) => Promise<void>;
}

/** The header names no column we know, or lacks `email`: nothing is imported. */
export class CsvHeaderError extends Error {
  readonly code = 'ECSVHEADER';
}

export async function importSubscribersCsv(
  input: Readable,
  deps: { store: SubscriberStore; publication: Publication },
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, imported: 0, rejected: [] };
  const chunkSize = options.chunkSize ?? 1000;
  const seen = new Map<string, number>();
  let chunk: Array<{ line: number; subscriber: NewSubscriber }> = [];

  // One chunk is written while the next is parsed (Redis works in its own process meanwhile).
  let writing: Promise<void> = Promise.resolve();
  const write = async (batch: typeof chunk) => {
    const results = await deps.store.createMany(
      batch.map((b) => b.subscriber),
      'import',
      options.confirmed ? 'csv --confirmed' : 'csv',
    );
    const pending: string[] = [];
    results.forEach((r, i) => {
      const line = batch[i]!.line;
      if (r.created && r.id && (batch[i]!.subscriber.status ?? 'pending') === 'pending') pending.push(r.id);
      if (r.created) report.imported++;
      else if (r.suppressed)
        report.rejected.push({ line, reason: 'address is suppressed (bounced, complained or forgotten)' });
      else report.rejected.push({ line, reason: 'address already exists' });
    });
    if (options.onPending) await options.onPending(pending);
    options.onProgress?.(report);
  };
  const flush = async () => {
    if (chunk.length === 0) return;
    const batch = chunk;
    chunk = [];
    await writing;
    writing = write(batch);
    // Marked handled here; the next flush (or the end) awaits it and throws.
    writing.catch(() => {});
  };

  // Line of the last record the parser finished (or skipped), tracked at parse time (the loop below
  // lags behind), and the last line of the input that holds anything, counted as the bytes pass.
  let parsedLine = 0;
  let lastSkipLine = 0;
  const lines = lineCounter();
  // `,` or `;`, as the header line uses (csv-delimiter.ts): a spreadsheet's `;` file imports as it is.
  const sniffed = await sniffCsvDelimiter(input);
  const parser = sniffed.input.pipe(lines.stream).pipe(
    parse({
      delimiter: sniffed.delimiter,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      // A malformed line (an unclosed quote) is reported as a rejected row, not a failed import.
      skip_records_with_error: true,
      on_record: (record: string[], context: { lines: number }) => {
        parsedLine = context.lines;
        return record;
      },
    }),
  );
  // A broken quote swallows every following line up to the next quote, often the end of the file, and
  // csv-parse reports at most where it noticed: name the whole range, so that no row vanishes from the
  // report (tests/security/hostile-files.test.ts found rows after a broken quote neither imported nor
  // listed).
  const swallowed = (to: number, why: string) => {
    // csv-parse reports every bad byte after a stray quote: one entry per line is enough.
    if (to <= lastSkipLine) return;
    lastSkipLine = to;
    const from = Math.min(parsedLine + 1, to);
    parsedLine = Math.max(parsedLine, to);
    report.rejected.push({
      line: from,
      reason: `malformed CSV ${from === to ? `on line ${to}` : `on lines ${from}-${to} (nothing on them was imported)`}: ${why}`,
    });
  };
  parser.on('skip', (err: Error & { lines?: number }) => swallowed(err.lines ?? parsedLine + 1, err.message));

  let header: string[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    const line = info.lines;
    if (!header) {
      header = record.map((h) => h.trim().toLowerCase());
      if (!header.includes('email'))
        throw new CsvHeaderError(
          `the first line must be a header with an "email" column (got: ${record.join(',')})`,
        );
      continue;
    }
    report.rows++;
    if (record.length !== header.length) {
      report.rejected.push({ line, reason: `expected ${header.length} columns, got ${record.length}` });
      continue;
    }
    const raw: RawSubscriber = {};
    header.forEach((column, i) => {
      if ((IMPORT_COLUMNS as readonly string[]).includes(column))
        raw[column as keyof RawSubscriber] = unguardFormula(record[i]!);
    });
    const checked = checkOperatorSubscriber(raw, deps.publication, {
      confirmed: options.confirmed,
      method: 'import',
      now: options.now,
    });
    if (!checked.ok) {
      report.rejected.push({ line, reason: checked.reason });
      continue;
    }
    const first = seen.get(checked.value.email);
    if (first !== undefined) {
      report.rejected.push({ line, reason: `duplicate of line ${first}` });
      continue;
    }
    seen.set(checked.value.email, line);
    chunk.push({ line, subscriber: checked.value });
    if (chunk.length >= chunkSize) await flush();
  }
  if (!header)
    throw new CsvHeaderError('the file is empty: the first line must be a header with an "email" column');
  if (lines.lastContentLine() > parsedLine)
    swallowed(lines.lastContentLine(), 'a quote opened earlier is never closed');
  await flush();
  await writing;
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

/** Passes bytes through, noting the last line that holds a non-blank character. */
function lineCounter(): { stream: Transform; lastContentLine(): number } {
  let line = 1;
  let last = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === 0x0a) line++;
        else if (b !== 0x0d && b !== 0x20 && b !== 0x09) last = line;
      }
      done(null, chunk);
    },
  });
  return { stream, lastContentLine: () => last };
}
