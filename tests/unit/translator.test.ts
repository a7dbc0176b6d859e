/**
 * Locale tags and the reader's messages: which tags are accepted (one line for the rest), the
 * per-key fallback (reader → publication → English), CLDR plurals, direction, and a publication's
 * own wording through TEMPLATES_DIR/locales.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { catalogueOf, checkLocale, readerLocale, textDirection } from '../../src/i18n/locale-tag.ts';
import { messageHelpers } from '../../src/i18n/template-messages.ts';
import { createTranslator } from '../../src/i18n/translator.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';

describe('locale tags', () => {
  it('accepts tags with a catalogue, in canonical case; empty means the publication', () => {
    expect(checkLocale('de')).toEqual({ ok: true, value: 'de' });
    expect(checkLocale(' pt_br ')).toEqual({ ok: true, value: 'pt-BR' });
    expect(checkLocale('de-at')).toEqual({ ok: true, value: 'de-AT' });
    expect(checkLocale('')).toEqual({ ok: true, value: '' });
    expect(checkLocale(undefined, 'en')).toEqual({ ok: true, value: 'en' });
    expect(catalogueOf('pt')).toBe('pt-BR');
    expect(catalogueOf('en-GB')).toBe('en');
    expect(readerLocale('', 'en-GB')).toBe('en-GB');
    expect(readerLocale('fr', 'en-GB')).toBe('fr');
  });

  it('refuses anything else with one line', () => {
    for (const bad of ['xx', 'klingon', 'de;drop', '<script>', 'zh-Hant-TW'])
      expect(checkLocale(bad)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(
          /^unknown locale ".*" \(one of en, de, fr, es, pt-BR, ar, or a regional form such as de-AT\)$/,
        ),
      });
    expect(checkLocale(7)).toMatchObject({ ok: false, reason: 'locale must be text' });
  });

  it('knows which languages are written right to left', () => {
    expect(textDirection('ar')).toBe('rtl');
    expect(textDirection('ar-EG')).toBe('rtl');
    expect(textDirection('de')).toBe('ltr');
  });
});

describe('translator', () => {
  it('formats plurals by each language’s rules', () => {
    const more = (locale: string, count: number) =>
      createTranslator(locale).t('digest.moreStories', { count, topic: 'X' });
    expect(more('en', 1)).toBe('1 more story in X');
    expect(more('en', 3)).toBe('3 more stories in X');
    expect(more('de', 1)).toBe('1 weiterer Artikel zu X');
    expect(more('fr', 2)).toBe('2 autres articles dans la rubrique X');
    expect(more('ar', 2)).toBe('مقالان آخران في X');
    expect(more('ar', 3)).toBe('3 مقالات أخرى في X');
    expect(more('ar', 11)).toBe('11 مقالًا آخر في X');
  });

  it('falls back per key: the reader’s catalogue, then the publication’s, then English', () => {
    // Every bundled catalogue is complete (message-catalogues.test.ts), Arabic included: its reader
    // gets the confirmation mail's words in Arabic, not the publication's.
    const ar = createTranslator('ar', { fallback: 'de' });
    expect(ar.dir).toBe('rtl');
    expect(ar.t('digest.readMore')).toBe('اقرأ المزيد');
    expect(ar.t('mail.confirm.button')).toBe('تأكيد اشتراكي');
    // A tag no catalogue answers for reads the publication's catalogue, then English.
    expect(createTranslator('tlh', { fallback: 'de' }).t('mail.confirm.button')).toBe(
      'Abonnement bestätigen',
    );
    expect(createTranslator('tlh', { fallback: 'tlh' }).t('mail.confirm.button')).toBe(
      'Confirm my subscription',
    );
  });

  it('takes a publication’s own wording from TEMPLATES_DIR/locales, key by key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-locales-'));
    mkdirSync(join(dir, 'locales'));
    writeFileSync(
      join(dir, 'locales', 'de.json'),
      JSON.stringify({ 'digest.readMore': 'Ganzen Artikel lesen' }),
    );
    const t = createTranslator('de', { templatesDir: dir });
    expect(t.t('digest.readMore')).toBe('Ganzen Artikel lesen');
    expect(t.t('digest.unsubscribe')).toBe('Abbestellen');
  });

  it('a broken override stops with one line naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-locales-'));
    mkdirSync(join(dir, 'locales'));
    writeFileSync(join(dir, 'locales', 'fr.json'), '{"digest.readMore": 3}');
    expect(() => createTranslator('fr', { templatesDir: dir }).t('digest.readMore')).toThrow(
      /^message catalogue .*fr\.json: "digest\.readMore" must be a string \(an ICU message\)$/,
    );
  });
});

describe('{{t}} in a template', () => {
  it('escapes the whole message and its values; only the message’s own tags become markup', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-locales-'));
    mkdirSync(join(dir, 'locales'));
    writeFileSync(
      join(dir, 'locales', 'en.json'),
      JSON.stringify({ 'page.preferences.for': 'Q&A for <b>{email}</b>, see <a>{email}</a>' }),
    );
    const hb = Handlebars.create();
    const t = createTranslator('en', { templatesDir: dir });
    const template = hb.compile('{{t "page.preferences.for" email=email href=href}}');
    const data = { email: '<img src=x onerror=alert(1)>&', href: 'https://x.example/?a="b"' };
    expect(template(data, { helpers: messageHelpers(hb, t, 'html') })).toBe(
      'Q&amp;A for <strong>&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&amp;</strong>, see <a href="https://x.example/?a&#x3D;&quot;b&quot;">&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&amp;</a>',
    );
    // Text mode (the text part is compiled with noEscape): as written, tags dropped.
    const text = hb.compile('{{t "page.preferences.for" email=email}}', { noEscape: true });
    expect(text(data, { helpers: messageHelpers(hb, t, 'text') })).toBe(
      `Q&A for ${data.email}, see ${data.email}`,
    );
  });
});

describe('the publication file’s locale', () => {
  const withLocale = (locale: unknown) => {
    const json = JSON.parse(readFileSync(SAMPLE_PUBLICATION_FILE, 'utf8')) as Record<string, unknown>;
    if (locale === undefined) delete json.locale;
    else json.locale = locale;
    const file = join(mkdtempSync(join(tmpdir(), 'nd-pub-')), 'publication.json');
    writeFileSync(file, JSON.stringify(json));
    return file;
  };

  it('defaults to en and is stored in canonical case', () => {
    expect(loadPublication(withLocale(undefined)).locale).toBe('en');
    expect(loadPublication(withLocale('pt-br')).locale).toBe('pt-BR');
  });

  it('refuses a language with no catalogue with one line naming the field', () => {
    const file = withLocale('tlh');
    expect(() => loadPublication(file)).toThrow(
      `PUBLICATION_FILE ${file}: locale must be a language with a message catalogue (en, de, fr, es, pt-BR, ar, or a regional form such as en-GB or de-AT)`,
    );
  });
});
