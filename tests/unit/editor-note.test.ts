/** The editor's note renderer and the archive feed (pure). */
import { describe, expect, it } from 'vitest';
import { archiveFeed } from '../../src/editions/archive-feed.ts';
import { renderEditorNote } from '../../src/editions/editor-note.ts';
import { parseFeedText } from '../../src/feeds/parse-feed.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';

describe('renderEditorNote', () => {
  it('renders a small Markdown subset; raw HTML, images, headings and unsafe links stay text', () => {
    const note = renderEditorNote(
      'Hello **all** <img src=x onerror=alert(1)>\n\n- one\n- [two](https://example.com/2)\n\n# Big\n\n![i](https://example.com/i.png) [bad](javascript:alert(1)) [rel](/x)',
    )!;
    expect(note.html).toContain('<strong>all</strong> &lt;img src=x onerror=alert(1)&gt;');
    expect(note.html).toContain('<li><a href="https://example.com/2">two</a></li>');
    expect(note.html).not.toMatch(/<img|<h1|href="javascript|href="\/x"/);
    expect(note.text).toContain('Hello all <img src=x onerror=alert(1)>');
    expect(note.text).toContain(' - two (https://example.com/2)');
  });

  it('removes control characters (no forged slots) and gives nothing for an empty note', () => {
    expect(renderEditorNote('a\u001Fslot:links.unsubscribe\u001Fb')!.html).toBe(
      '<p>a slot:links.unsubscribe b</p>',
    );
    expect(renderEditorNote('  \n ')).toBeUndefined();
    expect(renderEditorNote(undefined)).toBeUndefined();
  });
});

describe('archiveFeed', () => {
  it('is Atom our own feed parser reads back, every value escaped', () => {
    const publication = { ...loadPublication(SAMPLE_PUBLICATION_FILE), name: 'Orbit <Weekly> & Co' };
    const xml = archiveFeed(publication, 'https://digest.test', [
      {
        id: '2026-W47',
        heading: 'Week 47 · 16–22 November 2026',
        articles: 12,
        published: new Date('2026-11-23T07:00:00Z'),
        updated: new Date('2026-11-23T07:00:00Z'),
      },
    ]);
    expect(xml.replace(/<!\[CDATA\[[^\]]*\]\]>/g, '')).not.toContain('<Weekly>');
    const feed = parseFeedText(xml);
    expect(feed.title).toBe('Orbit <Weekly> & Co');
    expect(feed.entries).toHaveLength(1);
    expect(feed.entries[0]).toMatchObject({
      link: 'https://digest.test/editions/2026-W47',
      title: 'Orbit <Weekly> & Co: Week 47 · 16–22 November 2026',
    });
  });
});
