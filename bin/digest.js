#!/usr/bin/env -S node --heap-growing-percent=50
// The `digest` command. It runs the compiled CLI (dist/cli/, built by `npm install` or `npm run build`)
// when that build is newer than every file of src/ and workers/, and the TypeScript sources through
// tsx otherwise: a developer who edits a file never runs stale code, and nobody pays for transpiling
// on each start when nothing changed (BENCHMARKS.md, CLI start-up). DIGEST_FROM_SOURCE=1 always runs
// the sources (the tests do).
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledEntry } from './compiled-entry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled =
  process.env.DIGEST_FROM_SOURCE === '1' ? undefined : compiledEntry(root, { readdirSync, statSync });
if (compiled) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/bin.ts');
}
