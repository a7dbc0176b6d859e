#!/usr/bin/env node
// Compiles the `digest` command to dist/cli/ with esbuild (tsx already ships it): run by `npm install`
// (the `prepare` script) and `npm run build`. Without it every command paid for TypeScript being
// transpiled on start (BENCHMARKS.md, CLI start-up). Code splitting keeps each command group's
// dynamic imports in their own chunks, so `digest --help` loads none of the runtime. Dependencies
// stay in node_modules (`packages: external`); bin/digest.js uses the build only while it is newer
// than every source file.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/cli');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src/cli/bin.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
