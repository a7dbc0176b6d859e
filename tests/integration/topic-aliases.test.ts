/**
 * Removed and renamed topics on a real Redis. The publication renamed `lunar` to `moon` (with the
 * alias `lunar → moon`) and dropped `policy`: a reader of `lunar` gets `moon`, a reader of `policy`
 * alone is skipped with the reason "no known topic" and listed for the operator, never sent every
 * topic (the old code widened such a reader to everything).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildDeps } from '../../src/app/step-deps.ts';
import { NO_KNOWN_TOPIC } from '../../src/core/eligibility.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { findNoKnownTopic } from '../../src/subscribers/no-known-topic.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles } from '../helpers/delivery-fixtures.ts';
import { writePublicationFile } from '../helpers/publication-file.ts';

const EDITION = '2026-W47';
const NOW = new Date('2026-11-24T09:00:00Z');

let c: Container | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('removed and renamed topics', () => {
  it('carries a rename through topicAliases and skips a reader left with no known topic', async () => {
    const file = writePublicationFile({
      topics: [
        { id: 'moon', name: 'Moon' },
        { id: 'launch', name: 'Launch' },
        { id: 'markets', name: 'Markets' },
      ],
      categoryMap: {},
      topicAliases: { lunar: 'moon' },
    });
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1?tls=off', env: { PUBLICATION_FILE: file } });
    await seedArticles(c, EDITION);
    const add = async (email: string, topics: string[], status: 'active' | 'pending' = 'active') =>
      (
        await c!.subscribers.create(
          { email, status, topics, timezone: 'UTC', hour: 8, locale: 'en' },
          'import',
        )
      ).subscriber.id;
    const renamed = await add('renamed@readers.example', ['lunar']);
    const removed = await add('removed@readers.example', ['policy']);
    const partly = await add('partly@readers.example', ['policy', 'launch']);
    const everything = await add('everything@readers.example', []);
    const waiting = await add('waiting@readers.example', ['policy'], 'pending');

    const { edition } = await buildEdition(buildDeps(c), EDITION, NOW);
    const variants = await c.ledger.variantsOf(EDITION, [renamed, partly, everything]);
    expect(variants.map((i) => edition.variantKeys[i])).toEqual(['moon@en', 'launch@en', 'all@en']);
    expect(await c.ledger.stateOf(EDITION, removed)).toBe('skipped');
    expect((await c.ledger.detailOf(EDITION, removed))?.reason).toBe(NO_KNOWN_TOPIC);

    const stranded = await findNoKnownTopic(c.subscribers, c.publication);
    expect(stranded.count).toBe(2);
    expect(stranded.subscribers.map((s) => s.id).sort()).toEqual([removed, waiting].sort());
  });
});
