#!/usr/bin/env node
// Runs a TypeScript script (benchmarks, seeds) with tsx's loader: `node bin/tsx-run.js scripts/x.ts args`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const [script, ...rest] = process.argv.slice(2);
if (!script) {
  console.error('usage: node bin/tsx-run.js <script.ts> [args]');
  process.exit(2);
}
process.argv = [process.argv[0], resolve(script), ...rest];
await import(pathToFileURL(resolve(script)).href);
