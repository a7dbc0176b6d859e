/** The long-running processes' V8 flags are given where node starts; every such place must agree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JS next to the bin, no declaration file
import { NODE_FLAGS } from '../../bin/node-flags.js';

const ROOT = join(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const flags = (NODE_FLAGS as string[]).join(' ');

describe('node flags', () => {
  it('the shebang, npm start, the systemd example and the bench workers use NODE_FLAGS', () => {
    expect(flags).toMatch(/^--/);
    expect(read('bin/digest.js').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain(`node ${flags} bin/digest.js start`);
    expect(read('docs/operations.md')).toContain(`/usr/bin/node ${flags} /opt/digest/bin/digest.js worker`);
    expect(read('scripts/bench/bench-world.ts')).toContain('...NODE_FLAGS');
  });
});
