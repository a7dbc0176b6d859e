/**
 * Renders the chaos figures (var/chaos/figures/*.json, written by tests/chaos) into the table of
 * RELIABILITY.md, between `<!-- chaos:begin -->` and `<!-- chaos:end -->`, with the date and commit.
 * Run by the chaos run's teardown; by hand: `node bin/tsx-run.js scripts/chaos/render-reliability.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
export const DEFAULT_FIGURES_DIR = join(ROOT, 'var/chaos/figures');
export const DEFAULT_REPORT = join(ROOT, 'RELIABILITY.md');
const BEGIN = '<!-- chaos:begin -->';
const END = '<!-- chaos:end -->';

/** What a chaos scenario writes to var/chaos/figures/<id>.json (tests/chaos/harness/figures.ts). */
export interface ScenarioFigures {
  /** Stable id, e.g. `01-kill-workers`; orders the table. */
  id: string;
  title: string;
  /** What the scenario promises, one line. */
  promise: string;
  /** Numbers to show, in order, e.g. { eligible: 5000, kills: 5, duplicates: 0 }. */
  figures: Record<string, number | string>;
  passed: boolean;
  durationMs: number;
  /** Anything a reader must know about this run (a known limit, a finding). */
  note?: string;
  /** How the digest processes reached the relay: STARTTLS, implicit TLS or plain text. */
  transport?: string;
}

type Row = ScenarioFigures & { at: string };

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderTable(rows: Row[], commit: string, now: Date): string {
  const latest =
    rows
      .map((r) => r.at)
      .sort()
      .at(-1) ?? now.toISOString();
  const lines = [
    `Latest run: ${latest.slice(0, 16).replace('T', ' ')} UTC, commit \`${commit}\` (\`npm run test:chaos\`).`,
    '',
    '| # | scenario | promise | figures | transport | result | time |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const figures = Object.entries(r.figures)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `| ${cell(r.id)} | ${cell(r.title)} | ${cell(r.promise)} | ${cell(figures)}${r.note ? `<br>${cell(r.note)}` : ''} | ${cell(r.transport ?? '–')} | ${r.passed ? 'pass' : '**FAIL**'} | ${(r.durationMs / 1000).toFixed(0)} s |`,
    );
  }
  return lines.join('\n');
}

export function renderReliability(
  figuresDir = DEFAULT_FIGURES_DIR,
  reportFile = DEFAULT_REPORT,
  commit = currentCommit(),
  now = new Date(),
): void {
  const rows: Row[] = existsSync(figuresDir)
    ? readdirSync(figuresDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(figuresDir, f), 'utf8')) as Row)
    : [];
  const table = renderTable(rows, commit, now);
  const doc = existsSync(reportFile)
    ? readFileSync(reportFile, 'utf8')
    : `# Reliability\n\n${BEGIN}\n${END}\n`;
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${reportFile} has no ${BEGIN} ... ${END} block`);
  writeFileSync(reportFile, `${doc.slice(0, start + BEGIN.length)}\n${table}\n${doc.slice(end)}`);
}

function currentCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) renderReliability();
