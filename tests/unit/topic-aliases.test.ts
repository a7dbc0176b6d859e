/**
 * Topic aliases and the "no known topic" rule (pure), and the publication file's checks of
 * `topicAliases`: an alias to an unknown topic, or of a topic that still exists, is one line.
 */
import { describe, expect, it } from 'vitest';
import { variantTopics } from '../../src/core/eligibility.ts';
import { unknownTopics } from '../../src/core/topic-aliases.ts';
import { ConfigError } from '../../src/errors/config-error.ts';
import { loadPublication } from '../../src/publication/load-publication.ts';
import { writePublicationFile } from '../helpers/publication-file.ts';

const TOPICS = ['moon', 'launch', 'markets'];
const ALIASES = { lunar: 'moon' };

describe('variantTopics', () => {
  it('keeps "none chosen" and "every topic chosen" as everything', () => {
    expect(variantTopics([], TOPICS, ALIASES)).toEqual([]);
    expect(variantTopics(['markets', 'launch', 'moon'], TOPICS, ALIASES)).toEqual([]);
  });
  it('carries an old id to its new one', () => {
    expect(variantTopics(['lunar'], TOPICS, ALIASES)).toEqual(['moon']);
    expect(variantTopics(['lunar', 'moon', 'launch'], TOPICS, ALIASES)).toEqual(['moon', 'launch']);
  });
  it('never widens a reader whose topics are all gone to every topic', () => {
    expect(variantTopics(['policy'], TOPICS, ALIASES)).toBeUndefined();
    expect(variantTopics(['policy', 'launch'], TOPICS, ALIASES)).toEqual(['launch']);
  });
  it('names the ids that are neither topics nor aliases', () => {
    expect(unknownTopics(['lunar', 'policy', 'launch'], TOPICS, ALIASES)).toEqual(['policy']);
  });
});

describe('topicAliases in the publication file', () => {
  const load = (changes: Record<string, unknown>) => () => loadPublication(writePublicationFile(changes));
  it('accepts an alias to a current topic', () => {
    expect(loadPublication(writePublicationFile({ topicAliases: { moon: 'lunar' } })).topicAliases).toEqual({
      moon: 'lunar',
    });
  });
  it('refuses an alias to an unknown topic in one line', () => {
    expect(load({ topicAliases: { moon: 'luna' } })).toThrow(ConfigError);
    expect(load({ topicAliases: { moon: 'luna' } })).toThrow(
      /topicAliases\.moon names unknown topic "luna" \(topics: lunar, launch, policy, markets\)$/,
    );
  });
  it('refuses an alias of a topic that still exists', () => {
    expect(load({ topicAliases: { launch: 'lunar' } })).toThrow(/topicAliases\.launch is still a topic/);
  });
});
