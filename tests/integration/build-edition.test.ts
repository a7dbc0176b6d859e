/**
 * The build step over a list of several pages, on a real Redis: the reads that run ahead of the
 * build's loop freeze exactly the eligible subscribers (active, weekly, not suppressed), once each,
 * and a read that fails mid-list fails the build cleanly, so the next build starts afresh.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildDeps } from '../../src/app/step-deps.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';

const EDITION = '2026-W47';
const NOW = new Date('2026-11-24T09:00:00Z');

let c: Container | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

async function frozen(c: Container, editionId: string): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  let cursor = '0';
  do {
    const page = await c.ledger.scan(editionId, cursor, 1000);
    cursor = page.cursor;
    for (const [id, state] of page.entries) states.set(id, state);
  } while (cursor !== '0');
  return states;
}

describe('build over a list of several pages', () => {
  it('freezes exactly the eligible subscribers of a 4,600-subscriber list, once each', async () => {
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1?tls=off' });
    await seedArticles(c, EDITION);
    const statuses = ['active', 'active', 'active', 'pending', 'unsubscribed', 'bounced'] as const;
    const subs = await seedSubscribers(c, 4500, (i) => statuses[i % statuses.length]!);
    // Active but on the suppression list (a complaint recorded elsewhere): never a recipient.
    const suppressed = await c.subscribers.createMany(
      Array.from({ length: 100 }, (_, i) => ({
        email: `suppressed${i}@readers.example`,
        status: 'active' as const,
        topics: ['lunar'],
        timezone: 'UTC',
        hour: 8,
        locale: 'en-GB',
        suppress: true,
      })),
      'import',
    );
    expect(suppressed.every((r) => r.id)).toBe(true);

    const { edition, created } = await buildEdition(buildDeps(c), EDITION, NOW);
    expect(created).toBe(true);
    const eligible = subs.filter((s) => s.status === 'active').map((s) => s.id);
    expect(edition.recipientCount).toBe(eligible.length);
    const states = await frozen(c, EDITION);
    expect(states.size).toBe(eligible.length);
    for (const id of eligible) expect(states.get(id), id).toBe('pending');
    for (const r of suppressed) expect(states.has(r.id!)).toBe(false);
  }, 60_000);

  it('a read failing mid-list fails the build and leaves no edition; the next build freezes everyone', async () => {
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1?tls=off' });
    await seedArticles(c, EDITION);
    const subs = await seedSubscribers(c, 3000);
    const deps = buildDeps(c);
    let picks = 0;
    const failing = {
      ...deps,
      subscribers: {
        ...deps.subscribers,
        pick: ((ids, fields) => {
          if (++picks === 2) return Promise.reject(new Error('connection lost'));
          return deps.subscribers.pick(ids, fields);
        }) as typeof deps.subscribers.pick,
      },
    };
    await expect(buildEdition(failing, EDITION, NOW)).rejects.toThrow('connection lost');
    expect(await c.editions.get(EDITION)).toBeUndefined();

    const { edition } = await buildEdition(deps, EDITION, NOW);
    expect(edition.recipientCount).toBe(subs.length);
    expect((await frozen(c, EDITION)).size).toBe(subs.length);
  }, 60_000);
});
