/**
 * `{{t "key" name=value}}` for Handlebars templates (digest, confirmation mails, pages), passed as a
 * runtime helper (`template(data, { helpers })`) so one compiled template serves every locale.
 *
 * HTML mode escapes the whole message, not only its values: values and tags are first set as inert
 * tokens, the formatted message is escaped, then the tokens become the escaped values and the tags'
 * markup. So a catalogue's "Q&A" is as safe as an article title, and a message can still mark up a
 * part of itself: `<b>…</b>` becomes <strong>, `<a>…</a>` a link to the helper's `href=` (a value the
 * page built, escaped like any other). Text mode leaves everything as it is and drops the tags.
 */
import type Handlebars from 'handlebars';
import type { MessageValues, Translator } from './translator.ts';

export type TemplateMode = 'html' | 'text';

const VALUE = '\u0002';
const TAG = '\u0003';

export function messageHelpers(env: typeof Handlebars, translator: Translator, mode: TemplateMode) {
  const esc = (v: string) => env.Utils.escapeExpression(v);
  return {
    t(key: unknown, options: Handlebars.HelperOptions) {
      const hash = (options?.hash ?? {}) as Record<string, unknown>;
      if (mode === 'text') {
        const values: MessageValues = {};
        for (const [k, v] of Object.entries(hash)) values[k] = typeof v === 'number' ? v : String(v ?? '');
        const plain = (chunks: string[]) => chunks.join('');
        return translator.t(String(key), values, { b: plain, a: plain });
      }
      const shown: string[] = [];
      const values: MessageValues = {};
      for (const [k, v] of Object.entries(hash)) {
        if (typeof v === 'number') values[k] = v;
        else {
          values[k] = `${VALUE}${shown.length}${VALUE}`;
          shown.push(esc(String(v ?? '')));
        }
      }
      const markup: Record<string, string> = {
        'b+': '<strong>',
        'b-': '</strong>',
        'a+': `<a href="${esc(String(hash.href ?? ''))}">`,
        'a-': '</a>',
      };
      const tag = (name: string) => (chunks: string[]) =>
        `${TAG}${name}+${TAG}${chunks.join('')}${TAG}${name}-${TAG}`;
      const text = esc(translator.t(String(key), values, { b: tag('b'), a: tag('a') }));
      const html = text
        .replace(new RegExp(`${VALUE}(\\d+)${VALUE}`, 'g'), (_m, i: string) => shown[Number(i)] ?? '')
        .replace(new RegExp(`${TAG}([ab][+-])${TAG}`, 'g'), (_m, name: string) => markup[name] ?? '');
      return new env.SafeString(html);
    },
  };
}
