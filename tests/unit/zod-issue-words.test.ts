/** What a person reads about a bad publication file or environment: our words, never zod's. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';

const dir = mkdtempSync(join(tmpdir(), 'pub-words-'));
const sample = JSON.parse(readFileSync(SAMPLE_PUBLICATION_FILE, 'utf8')) as Record<string, unknown>;
const errorFor = (changes: Record<string, unknown>): string => {
  const file = join(dir, `p-${Math.random().toString(36).slice(2)}.json`);
  const pub = { ...sample, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete pub[k];
  writeFileSync(file, JSON.stringify(pub));
  try {
    loadPublication(file);
  } catch (err) {
    return (err as Error).message.replace(file, 'FILE');
  }
  throw new Error('the file was accepted');
};

describe('publication file errors', () => {
  it('a missing field says it is missing, without the library wording', () => {
    const message = errorFor({ postalAddress: undefined });
    expect(message).toBe('PUBLICATION_FILE FILE: postalAddress is missing: it must be text');
    expect(message).not.toMatch(/Invalid input|expected string|received undefined/);
  });

  it('wrong types, lengths, formats and choices each read as one sentence of ours', () => {
    expect(errorFor({ postalAddress: 42 })).toBe('PUBLICATION_FILE FILE: postalAddress must be text');
    expect(errorFor({ postalAddress: 'x' })).toBe(
      'PUBLICATION_FILE FILE: postalAddress must be at least 5 characters long',
    );
    expect(errorFor({ replyTo: 'nobody' })).toBe('PUBLICATION_FILE FILE: replyTo must be an email address');
    expect(errorFor({ timezone: 'EST' })).toMatch(
      /^PUBLICATION_FILE FILE: timezone must be an IANA timezone/,
    );
    for (const bad of [{ defaultHour: 7.5 }, { topics: 'lunar' }, { weekStartsOn: 9 }]) {
      expect(errorFor(bad)).not.toMatch(/Invalid|Too (small|big)|expected|received/);
    }
  });
});
