/**
 * Loads and compiles the digest templates once per folder. Each file is looked up in the operator's
 * TEMPLATES_DIR first (`<dir>/digest/...`) and then in the bundled templates/, so an operator can
 * replace only the footer. Two isolated Handlebars environments: one HTML-escaping for the MJML
 * (subject and preheader are plain text and use the other), one plain for the text part.
 *
 *   digest/layout.mjml.hbs            the MJML document; partials/*.mjml.hbs are its partials
 *   digest/subject.hbs, preheader.hbs one line of plain text each
 *   digest/text.hbs                   the text/plain part
 *
 * Words come from the message catalogues through `{{t "key" ...}}`, a helper given at render time
 * (render-digest.ts), so these compiled templates serve every locale.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { isSlotSentinel } from './recipient-slots.ts';
import { safeHttpUrl } from './safe-url.ts';
import { wrapText } from './wrap-text.ts';

export const BUNDLED_TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');

export interface DigestTemplates {
  layout: Handlebars.TemplateDelegate;
  subject: Handlebars.TemplateDelegate;
  preheader: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
  /** Partial name → source, for the strict MJML test of every partial. */
  partials: Record<string, string>;
  /** The HTML environment (helpers and partials registered), to render one partial on its own. */
  htmlEnv: typeof Handlebars;
}

export class TemplateError extends Error {
  readonly code = 'ETEMPLATE';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const cache = new Map<string, DigestTemplates>();

export function loadDigestTemplates(templatesDir?: string): DigestTemplates {
  const key = templatesDir ? resolve(templatesDir) : '';
  let set = cache.get(key);
  if (!set) {
    set = compileTemplates(key || undefined);
    cache.set(key, set);
  }
  return set;
}

function compileTemplates(operatorDir: string | undefined): DigestTemplates {
  const roots = [operatorDir, BUNDLED_TEMPLATES_DIR].filter((d): d is string => !!d);
  const read = (file: string) => {
    for (const root of roots) {
      const path = join(root, 'digest', file);
      if (existsSync(path)) return { path, source: readFileSync(path, 'utf8') };
    }
    throw new TemplateError(`template digest/${file} not found in ${roots.join(' or ')}`);
  };

  const html = Handlebars.create();
  const text = Handlebars.create();
  registerHtmlHelpers(html);
  registerTextHelpers(text);

  const partials: Record<string, string> = {};
  for (const root of [...roots].reverse()) {
    const dir = join(root, 'digest', 'partials');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjml.hbs'))) {
      partials[basename(file, '.mjml.hbs')] = readFileSync(join(dir, file), 'utf8');
    }
  }
  for (const [name, source] of Object.entries(partials)) html.registerPartial(name, source);

  const compile = (env: typeof Handlebars, file: string, options: CompileOptions = {}) => {
    const { path, source } = read(file);
    try {
      // Parse now (Handlebars compiles lazily on first use) so a syntax error names its file at load
      // time; a full precompile for that cost as much as the compile the first render does anyway.
      env.parse(source);
      return env.compile(source, options);
    } catch (err) {
      throw new TemplateError(`${path}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  return {
    layout: compile(html, 'layout.mjml.hbs'),
    subject: compile(text, 'subject.hbs', { noEscape: true }),
    preheader: compile(text, 'preheader.hbs', { noEscape: true }),
    text: compile(text, 'text.hbs', { noEscape: true }),
    partials,
    htmlEnv: html,
  };
}

type CompileOptions = Parameters<typeof Handlebars.compile>[1];

/**
 * `{{eq a b}}`; `{{href url}}`: the only way to fill an href or src. An http(s) URL (or a link slot) passes, escaped;
 * anything else becomes an empty string, i.e. no link.
 */
function registerHtmlHelpers(env: typeof Handlebars): void {
  // The one raw-HTML insertion: the editor's note, which only renderEditorNote (src/editions/
  // editor-note.ts) makes: markdown-it with raw HTML off, http(s) links only, control characters out.
  env.registerHelper('noteHtml', (note: unknown) => {
    const html = (note as { html?: unknown } | undefined)?.html;
    return new env.SafeString(typeof html === 'string' ? html : '');
  });
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  env.registerHelper('href', (value: unknown) => {
    if (isSlotSentinel(value)) return new env.SafeString(value as string);
    const url = safeHttpUrl(value);
    return new env.SafeString(url ? env.Utils.escapeExpression(url) : '');
  });
}

/**
 * `{{href url}}` as above, unescaped; `{{wrap text first="* " indent="  "}}` word-wraps a paragraph;
 * `{{underline name char="="}}` a row of "-" (or `char`) as long as the name; `{{upper text}}` in capitals
 * (a text part's top heading, in any language); `{{eq a b}}`; `{{concat a b ...}}`.
 */
function registerTextHelpers(env: typeof Handlebars): void {
  env.registerHelper('href', (value: unknown) =>
    isSlotSentinel(value) ? value : (safeHttpUrl(value) ?? ''),
  );
  env.registerHelper('underline', (value: unknown, options: Handlebars.HelperOptions) => {
    const char = typeof options?.hash?.char === 'string' ? options.hash.char : '-';
    return char.repeat(Math.max(3, String(value ?? '').length));
  });
  env.registerHelper('upper', (value: unknown) => String(value ?? '').toLocaleUpperCase());
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  env.registerHelper('concat', (...args: unknown[]) =>
    args
      .slice(0, -1)
      .map((a) => (a === undefined || a === null ? '' : String(a)))
      .join(''),
  );
  env.registerHelper('wrap', (value: unknown, options: Handlebars.HelperOptions) => {
    const hash = options.hash as { width?: number; first?: string; indent?: string };
    const first = hash.first ?? hash.indent ?? '';
    return wrapText(typeof value === 'string' ? value : '', hash.width ?? 72, first, hash.indent);
  });
}
