/**
 * Every digest template passes MJML's strict validation, alone and in the layout, and follows the
 * escaping rules (no triple-stash, every href/src through {{href}}). Operators can override a file.
 */

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mjml2html from 'mjml';
import { describe, expect, it } from 'vitest';
import { renderEditorNote } from '../../src/editions/editor-note.ts';
import { messageHelpers } from '../../src/i18n/template-messages.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { buildDigestModel, digestTranslator } from '../../src/render/digest-model.ts';
import { BUNDLED_TEMPLATES_DIR, loadDigestTemplates, TemplateError } from '../../src/render/template-set.ts';
import { FIXTURE_EDITION, friendlyArticles } from '../fixtures/articles.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const modelInput = {
  publication: { ...publication, maxPerSection: 2 },
  edition: FIXTURE_EDITION,
  articles: friendlyArticles(),
  topics: [],
  locale: 'en-GB',
  webUrl: 'https://digest.test/editions/2026-W47',
};
const digestDir = join(BUNDLED_TEMPLATES_DIR, 'digest');
const allTemplateFiles = () => [
  ...readdirSync(digestDir).filter((f) => f.endsWith('.hbs')),
  ...readdirSync(join(digestDir, 'partials')).map((f) => `partials/${f}`),
];
// The reader's words reach templates as the runtime `t` helper (render-digest.ts does the same).
const words = () => ({
  helpers: messageHelpers(loadDigestTemplates().htmlEnv, digestTranslator(modelInput), 'html'),
});
const strict = (mjml: string) => mjml2html(mjml, { validationLevel: 'strict', fonts: {} });

describe('digest templates', () => {
  it.each(['email', 'web'] as const)('the layout passes MJML strict validation (%s)', async (mode) => {
    const model = buildDigestModel(modelInput, mode)!;
    const mjml = loadDigestTemplates().layout(model, words());
    const result = await strict(mjml);
    expect(result.errors).toEqual([]);
  });

  it('every partial passes MJML strict validation on its own', async () => {
    const templates = loadDigestTemplates();
    const model = buildDigestModel(modelInput, 'email')!;
    const card = model.sections.flatMap((s) => s.articles).find((c) => c.image)!;
    const contexts: Record<string, unknown[]> = {
      header: [model],
      'top-stories': [model],
      footer: [model, buildDigestModel(modelInput, 'web')],
      section: model.sections,
      'editor-note': [
        { ...model, note: renderEditorNote('A **big** week. [Read](https://example.com/a)\n\n- one\n- two') },
      ],
    };
    // Fragments: a card's HTML, which its section's (or the top stories') mj-text holds.
    const fragments: Record<string, unknown[]> = {
      'article-card': [
        { ...card, feature: true },
        { ...card, feature: false },
        { ...card, image: undefined },
      ],
      'article-text': [card],
      'article-image': [{ ...card, box: model.images.thumb }],
    };
    expect(Object.keys(templates.partials).sort()).toEqual(Object.keys({ ...contexts, ...fragments }).sort());
    const inText = (name: string) =>
      `<mjml><mj-body><mj-section><mj-column><mj-text>{{> ${name}}}</mj-text></mj-column></mj-section></mj-body></mjml>`;
    for (const [name, list] of Object.entries({ ...contexts, ...fragments })) {
      const wrapper = templates.htmlEnv.compile(
        name in fragments ? inText(name) : `<mjml><mj-body>{{> ${name}}}</mj-body></mjml>`,
      );
      for (const context of list) {
        const result = await strict(wrapper(context, { data: { root: model }, ...words() }));
        expect(result.errors, name).toEqual([]);
        expect(result.html.length, name).toBeGreaterThan(500);
      }
    }
  });

  it('no template uses triple-stash, and every href and src goes through {{href}}', () => {
    for (const file of allTemplateFiles()) {
      const source = readFileSync(join(digestDir, file), 'utf8');
      expect(source, file).not.toMatch(/\{\{\{(?!\{)/);
      for (const m of source.matchAll(/\b(href|src)="([^"]*)"/g)) {
        expect(m[2], `${file}: ${m[0]}`).toMatch(/^\{\{href [^}]+\}\}$/);
      }
    }
  });

  it('an operator folder overrides single files; the rest comes from the bundled templates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-templates-'));
    mkdirSync(join(dir, 'digest', 'partials'), { recursive: true });
    writeFileSync(join(dir, 'digest', 'subject.hbs'), 'Custom: {{publication.name}}\n');
    writeFileSync(
      join(dir, 'digest', 'partials', 'footer.mjml.hbs'),
      '<mj-section><mj-column><mj-text>Operator footer {{publication.postalAddress}} <a href="{{href links.unsubscribe}}">Leave</a></mj-text></mj-column></mj-section>',
    );
    const v = (await buildVariant({ ...modelInput, templatesDir: dir }))!;
    expect(v.subject).toBe('Custom: Orbit Weekly');
    expect(v.html).toContain('Operator footer');
    expect(v.html).toContain('href="{{links.unsubscribe}}"');
    expect(v.html).toContain('Top stories');
  });

  it('a broken operator template stops the build with a message naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-templates-'));
    mkdirSync(join(dir, 'digest'), { recursive: true });
    writeFileSync(join(dir, 'digest', 'text.hbs'), '{{#if}}');
    expect(() => loadDigestTemplates(dir)).toThrow(TemplateError);
    const bad = mkdtempSync(join(tmpdir(), 'nd-templates-'));
    mkdirSync(join(bad, 'digest', 'partials'), { recursive: true });
    writeFileSync(
      join(bad, 'digest', 'partials', 'footer.mjml.hbs'),
      '<mj-section><mj-text>x</mj-text></mj-section>',
    );
    await expect(buildVariant({ ...modelInput, templatesDir: bad })).rejects.toThrow(/MJML/);
  });
});
