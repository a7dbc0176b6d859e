/**
 * The demo's sample is seeded for the bundled sample publication only: an operator's own
 * publication file on empty data gets no demo subscribers and no edition sent on its first start.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { seedSampleIfEmpty } from '../../src/app/seed-sample.ts';
import { createTestContainer } from '../helpers/container.ts';
import { writePublicationFile } from '../helpers/publication-file.ts';

let c: Container | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('the demo sample', () => {
  it("is not seeded for an operator's own publication file", async () => {
    const file = writePublicationFile({ id: 'acme-news', name: 'Acme News' });
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1?tls=off', env: { PUBLICATION_FILE: file } });
    expect(await seedSampleIfEmpty(c, new Date())).toBeUndefined();
    const counts = await c.subscribers.counts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await c.editions.list(10)).toEqual([]);
  });
});
