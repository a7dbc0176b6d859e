/** One topic separator everywhere: `;` (the CSV's) and `,` (the shell's) are both accepted. */
import { describe, expect, it } from 'vitest';
import { splitTopicList } from '../../src/core/topic-list.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { checkTopics } from '../../src/subscribers/subscriber-input.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);

describe('topic lists', () => {
  it('split on ; and , alike', () => {
    expect(splitTopicList('lunar;launch')).toEqual(['lunar', 'launch']);
    expect(splitTopicList(' lunar, launch ,')).toEqual(['lunar', 'launch']);
    expect(splitTopicList('lunar;launch,policy')).toEqual(['lunar', 'launch', 'policy']);
  });

  it('a subscriber given "lunar,launch" (subscribers add, the API, a CSV cell) gets both topics', () => {
    expect(checkTopics('lunar,launch', publication)).toEqual({ ok: true, value: ['lunar', 'launch'] });
    expect(checkTopics('Lunar; Launch', publication)).toEqual({ ok: true, value: ['lunar', 'launch'] });
  });
});
