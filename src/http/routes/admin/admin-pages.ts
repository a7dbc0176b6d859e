/**
 * The dashboard's pages: templates/admin/*.hbs inside the `layout` partial, compiled once when the app
 * is built. Handlebars escapes every value; the only raw insertions are our own SVG charts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Publication } from '../../../domain/publication.ts';
import { formatDuration } from '../../../observability/send-progress.ts';

export interface AdminPages {
  render(page: string, data: Record<string, unknown>): string;
  /** A static asset (admin.css, live.js) by file name, or undefined. */
  asset(name: string): string | undefined;
}

export function loadAdminPages(templatesDir: string, publication: Publication): AdminPages {
  const dir = join(templatesDir, 'admin');
  const hb = Handlebars.create();
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('gt', (a: number, b: number) => a > b);
  hb.registerHelper('duration', (s: number | undefined) => formatDuration(s));
  hb.registerHelper('number', (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en')));
  hb.registerHelper('time', (iso: string | undefined) => (iso ? iso.replace('T', ' ').slice(0, 19) : '–'));
  hb.registerHelper('hour', (h: number | undefined) =>
    h === undefined ? '–' : `${String(h).padStart(2, '0')}:00`,
  );
  hb.registerHelper('join', (xs: unknown[] | undefined) => (xs ?? []).join(', '));
  hb.registerPartial('layout', readFileSync(join(dir, 'layout.hbs'), 'utf8'));
  // Panels of a page in their own files (partials/lint-panel.hbs is `{{> lint-panel}}`).
  const partialsDir = join(dir, 'partials');
  for (const f of existsSync(partialsDir) ? readdirSync(partialsDir).filter((n) => n.endsWith('.hbs')) : []) {
    hb.registerPartial(f.slice(0, -4), readFileSync(join(partialsDir, f), 'utf8'));
  }
  const compiled = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.hbs') && f !== 'layout.hbs')
      .map((f) => [f.slice(0, -4), hb.compile(readFileSync(join(dir, f), 'utf8'), { strict: false })]),
  );
  const assets = new Map(
    readdirSync(join(dir, 'assets')).map((f) => [f, readFileSync(join(dir, 'assets', f), 'utf8')]),
  );
  return {
    render(page, data) {
      const template = compiled.get(page);
      if (!template) throw new Error(`no admin template ${page}.hbs`);
      return template({ publication, ...data });
    },
    asset: (name) => assets.get(name),
  };
}
