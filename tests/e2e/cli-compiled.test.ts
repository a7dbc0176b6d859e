/**
 * The compiled `digest` (dist/cli/, built by `npm install`): bin/digest.js runs it while it is newer
 * than every source, and the TypeScript sources through tsx as soon as one source is newer. Built in a
 * copy of the project so the work tree's own dist/ and the other tests' `digest` runs are untouched.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const DESCRIPTION = 'newsletter-digest: collect a week of articles';
const EDITED = 'EDITED AFTER THE BUILD';

let copy: string;

const digest = (...args: string[]) => {
  // No DIGEST_FROM_SOURCE here: the launcher chooses.
  const res = spawnSync(process.execPath, [join(copy, 'bin/digest.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', COLUMNS: '200' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
};

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'digest-compiled-'));
  for (const dir of ['src', 'workers', 'bin', 'scripts'])
    cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
  for (const dir of ['node_modules', 'templates', 'samples']) symlinkSync(join(ROOT, dir), join(copy, dir));
  cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  // Sources a minute old, then the build: the build is the newest.
  const past = new Date(Date.now() - 60_000);
  const age = (path: string) => utimesSync(path, past, past);
  walk(join(copy, 'src'), age);
  walk(join(copy, 'workers'), age);
  const build = spawnSync(process.execPath, [join(copy, 'scripts/build-cli.js')], { encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

function walk(dir: string, visit: (path: string) => void): void {
  visit(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, visit);
    else visit(path);
  }
}

describe('the compiled digest', () => {
  it('digest --help runs from dist/ while the build is newer than every source', () => {
    // A source edited after the build but dated before it: only the compiled CLI still prints the
    // old description, so seeing it proves the build ran.
    const main = join(copy, 'src/cli/main.ts');
    const old = statSync(main);
    writeFileSync(main, readFileSync(main, 'utf8').replace(DESCRIPTION, EDITED));
    utimesSync(main, old.atime, old.mtime);
    const { code, out } = digest('--help');
    expect(code).toBe(0);
    expect(out).toContain(DESCRIPTION);
    expect(out).toContain('subscribers');
    expect(out).not.toContain(EDITED);
  });

  it('a build older than a source is not used: the sources run through tsx', () => {
    const main = join(copy, 'src/cli/main.ts');
    const now = new Date();
    utimesSync(main, now, now);
    const { code, out } = digest('--help');
    expect(code).toBe(0);
    expect(out).toContain(EDITED);
  });

  it('a source file added after the build also makes it stale', () => {
    // Back to a fresh build first (the previous test dated main.ts now): rebuild, then add a file.
    const build = spawnSync(process.execPath, [join(copy, 'scripts/build-cli.js')], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    expect(digest('--help').out).toContain(EDITED); // the build now has the edit
    const past = new Date(Date.now() - 60_000);
    const added = join(copy, 'src/cli/added-later.ts');
    writeFileSync(added, 'export const x = 1;\n');
    utimesSync(added, past, past); // the file looks old; its folder's time shows the change
    const marker = join(copy, 'src/cli/main.ts');
    writeFileSync(marker, readFileSync(marker, 'utf8').replace(EDITED, 'SECOND EDIT'));
    utimesSync(marker, past, past);
    expect(digest('--help').out).toContain('SECOND EDIT');
  });
});
