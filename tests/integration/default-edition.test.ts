/**
 * The one default edition (src/editions/default-edition.ts) on a real Redis: last week while no
 * edition exists, then the newest edition that exists, whatever order they were built in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildDeps } from '../../src/app/step-deps.ts';
import { previousEditionId } from '../../src/core/edition-window.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { defaultEdition } from '../../src/editions/default-edition.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles } from '../helpers/delivery-fixtures.ts';

const NOW = new Date('2026-12-07T09:00:00Z');

let c: Container | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('the default edition', () => {
  it('is last week with no edition, then the newest edition that exists', async () => {
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1?tls=off' });
    const p = c.publication;
    expect(previousEditionId(NOW, p.timezone, p.weekStartsOn)).toBe('2026-W49');
    expect(await defaultEdition(c.editions, p, NOW)).toBe('2026-W49');
    for (const id of ['2026-W47', '2026-W45']) {
      await seedArticles(c, id, 1);
      await buildEdition(buildDeps(c), id, NOW);
    }
    expect(await defaultEdition(c.editions, p, NOW)).toBe('2026-W47');
  });
});
