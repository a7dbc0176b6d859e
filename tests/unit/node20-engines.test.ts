/**
 * `npm install` on Node 20 prints no EBADENGINE warning: every locked package accepts the oldest Node
 * that package.json's `engines` allows (the overrides in package.json keep Node-22-only majors out).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error: semver ships no types and only this test uses it
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const read = (p: string) => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));

describe('Node 20 support', () => {
  it('every package in package-lock.json accepts the oldest Node our engines field allows', () => {
    const range = (read('package.json') as { engines: { node: string } }).engines.node;
    const oldest = semver.minVersion(range).version as string;
    expect(oldest.startsWith('20.')).toBe(true);
    const lock = read('package-lock.json') as {
      packages: Record<string, { engines?: { node?: string }; optional?: boolean; os?: string[] }>;
    };
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path && p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')} wants node ${p.engines?.node}`);
    expect(refused).toEqual([]);
  });
});
