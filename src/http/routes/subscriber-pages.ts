/**
 * The subscriber-facing pages (templates/pages/*.hbs inside the `layout` partial), compiled once when
 * the app is built. Every page gets the publication (name, brandColor, postal address) for its look.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Publication } from '../../domain/publication.ts';

export type PageName = 'subscribe' | 'subscribe-sent' | 'confirm' | 'preferences' | 'unsubscribe';
const PAGES: PageName[] = ['subscribe', 'subscribe-sent', 'confirm', 'preferences', 'unsubscribe'];

export interface SubscriberPages {
  render(page: PageName, data: Record<string, unknown>): string;
}

export function loadSubscriberPages(templatesDir: string, publication: Publication): SubscriberPages {
  const hb = Handlebars.create();
  const dir = join(templatesDir, 'pages');
  hb.registerPartial('layout', readFileSync(join(dir, 'layout.hbs'), 'utf8'));
  const compiled = new Map(PAGES.map((p) => [p, hb.compile(readFileSync(join(dir, `${p}.hbs`), 'utf8'))]));
  const common = { publication, lang: publication.locale.split('-')[0] ?? 'en' };
  return {
    render(page, data) {
      return compiled.get(page)!({ ...common, ...data });
    },
  };
}
