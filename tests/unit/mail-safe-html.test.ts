import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { mailSafeHtml } from '../../src/render/mail-safe-html.ts';
import { mailSafeText } from '../../src/render/mail-safe-text.ts';
import { restoreSlots, slotSentinel } from '../../src/render/recipient-slots.ts';

const longestLine = (s: string) => Math.max(...s.split('\n').map((l) => l.length));

describe('mailSafeHtml', () => {
  it('writes non-ASCII as character references, CSS escapes inside <style>', () => {
    const out = mailSafeHtml('<style>.a::before{content:"→"}</style><p>Zoë – 月</p>');
    expect(out).toBe('<style>.a::before{content:"\\2192 "}</style><p>Zo&#235; &#8211; &#26376;</p>');
  });

  it('makes braces and backslashes inert outside <style>, so baked text cannot open a Handlebars expression', () => {
    const out = mailSafeHtml('<p title="{{x}}">{{#each a}}\\{{recipient.email}}{{{raw}}}</p>');
    expect(out).not.toMatch(/[{}\\]/);
    // Handlebars finds nothing to evaluate: the output is the input.
    expect(Handlebars.compile(out)({ x: 'X', recipient: { email: 'E' } })).toBe(out);
  });

  it('indents CSS lines that start with a dot, so the static HTML needs no SMTP dot-stuffing', () => {
    const css = '<style>\n.mj-column-per-50 { width:50% }\r\n.moz-text-html .x { width:1px }\n</style>';
    const out = mailSafeHtml(`${css}<p>.NET is a word</p>`);
    expect(out).toBe(
      '<style>\n .mj-column-per-50 { width:50% }\r\n .moz-text-html .x { width:1px }\n</style><p>.NET is a word</p>',
    );
    expect(out.split(/\r?\n/).filter((l) => l.startsWith('.'))).toEqual([]);
  });

  it('refuses "{{" in CSS (a template bug)', () => {
    expect(() => mailSafeHtml('<style>.a{{color:red}}</style>')).toThrow(/CSS/);
  });

  it('keeps lines short: breaks at spaces, inside tags, and long words with <wbr> in text; no comments', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const cjk = '宇宙'.repeat(300);
    const html = `<div style="a:b; c:d">${words}</div><p>${cjk}</p><img alt="${cjk}" src="https://x.test/a.png">`;
    const out = mailSafeHtml(html, 200);
    expect(longestLine(out)).toBeLessThanOrEqual(200);
    // Same text once the inserted comments and line breaks are taken out again.
    const back = out.replace(/<wbr\n>/g, '').replace(/\n/g, ' ');
    expect(back.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))).toContain(cjk);
    expect(out).toContain('<wbr\n>');
    expect(out).not.toContain('<!--');
    expect(out.split('\n').filter((l) => l.startsWith('.'))).toEqual([]);
  });

  it('breaks a minified one-line document before a tag\'s ">" or between attributes, adding nothing that renders', () => {
    const cell =
      '<td style="padding:0 24px;font-family:Arial, \'Segoe UI\'" class="x"><a href="https://x.test/a">Lunar</a></td>';
    const html = `<table><tr>${cell.repeat(40)}</tr></table>`;
    const out = mailSafeHtml(html, 200);
    expect(longestLine(out)).toBeLessThanOrEqual(200);
    // Every newline sits where HTML has (or allows) whitespace inside a tag.
    expect(out.replace(/\n>/g, '>').replace(/\n/g, ' ')).toBe(html);
    expect(out).not.toMatch(/'Segoe\nUI'/);
  });

  it('never splits a slot sentinel', () => {
    const sentinel = slotSentinel('links.unsubscribe');
    const html = `<p>${'x'.repeat(190)}${sentinel}${'y'.repeat(190)}</p>`;
    const out = restoreSlots(mailSafeHtml(html, 200));
    expect(out).toContain('{{links.unsubscribe}}');
  });

  it('leaves short documents untouched but for the character rules', () => {
    expect(mailSafeHtml('<p>a b</p>\n<p>c</p>')).toBe('<p>a b</p>\n<p>c</p>');
  });
});

describe('mailSafeText', () => {
  it('keeps content readable and Handlebars-inert', () => {
    const text = `Title {{recipient.email}} \\{{x}} {${slotSentinel('recipient.name')}}\n\n\n\nend  `;
    const source = restoreSlots(mailSafeText(text));
    const out = Handlebars.compile(source, { noEscape: true })({ recipient: { name: 'N', email: 'E' } });
    expect(out.replace(/\u200B/g, '')).toBe('Title {{recipient.email}} \\{{x}} {N}\n\nend\n');
  });
});
