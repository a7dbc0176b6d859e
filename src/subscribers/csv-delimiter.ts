/**
 * Which separator a CSV file uses, read from its header line: `,` (the standard) or `;` (what Excel
 * writes where the decimal mark is a comma: most of Europe). csv-parse could split on both at once,
 * but then `lunar;launch` in a comma file's topics cell would become two columns; the header line names
 * the columns and holds no data, so its separator is the file's.
 */
import { Readable } from 'node:stream';

export type CsvDelimiter = ',' | ';';

/** The header's separator, and the same bytes again as a stream (nothing read is lost). */
export async function sniffCsvDelimiter(
  input: Readable,
): Promise<{ delimiter: CsvDelimiter; input: Readable }> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let text = '';
  // The header is one line; 64 KB without a newline is not a header worth waiting for.
  while (!text.includes('\n') && text.length < 65_536) {
    const next = await it.next();
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    text += chunk.toString('utf8');
  }
  const header = (text.split('\n')[0] ?? '').replace(/"[^"]*"/g, '');
  const count = (c: string) => header.split(c).length - 1;
  const delimiter: CsvDelimiter = count(';') > count(',') ? ';' : ',';
  const replay = Readable.from(
    (async function* () {
      yield* head;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      }
    })(),
    { objectMode: false },
  );
  return { delimiter, input: replay };
}
