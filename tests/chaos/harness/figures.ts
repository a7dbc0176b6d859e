/**
 * Each scenario writes its figures (JSON) to var/chaos/figures/<id>.json; the vitest global
 * teardown of the chaos run (tests/chaos/setup/report.ts) renders them into RELIABILITY.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIGURES_DIR = resolve(import.meta.dirname, '../../../var/chaos/figures');

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
}

export function writeFigures(f: ScenarioFigures): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  writeFileSync(
    join(FIGURES_DIR, `${f.id}.json`),
    `${JSON.stringify({ ...f, at: new Date().toISOString() }, null, 2)}\n`,
  );
}
