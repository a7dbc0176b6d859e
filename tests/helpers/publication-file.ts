/**
 * A publication file for a test: the bundled sample with some fields changed, written to a fresh
 * folder (the sample's relative feed path is made absolute so it still resolves).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';

export function writePublicationFile(changes: Record<string, unknown>): string {
  const sample = JSON.parse(readFileSync(SAMPLE_PUBLICATION_FILE, 'utf8')) as Record<string, unknown>;
  const sources = (sample.sources as Array<{ url: string }>).map((s) => ({
    ...s,
    url: resolve(dirname(SAMPLE_PUBLICATION_FILE), s.url),
  }));
  const file = join(mkdtempSync(join(tmpdir(), 'nd-publication-')), 'publication.json');
  writeFileSync(file, JSON.stringify({ ...sample, sources, ...changes }, null, 2));
  return file;
}
