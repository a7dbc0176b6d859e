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
const BUNDLED = ['date-fns', '@date-fns/tz', 'zod'];
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src/cli/bin.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externalExcept(BUNDLED)],
  logLevel: 'warning',
});

/**
 * Every dependency stays in node_modules except these pure-ESM ones: imported through their index,
 * they made Node read about 1,100 files at every start (date-fns alone 864, for a handful of
 * functions), which esbuild shakes down to the functions we call (BENCHMARKS.md, CLI start-up).
 */
function externalExcept(bundled) {
  const keep = new RegExp(`^(${bundled.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})(/|$)`);
  return {
    name: 'external-except',
    setup(b) {
      // A bare specifier (not ./, ../, / or node:) names a package.
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        args.path.startsWith('node:') || keep.test(args.path)
          ? undefined
          : { path: args.path, external: true },
      );
    },
  };
}
