/**
 * Each scenario writes its figures (JSON) to var/chaos/figures/<id>.json; the vitest global
 * teardown of the chaos run (tests/chaos/setup/report.ts) renders them into RELIABILITY.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_FIGURES_DIR as FIGURES_DIR,
  type ScenarioFigures,
} from '../../../scripts/chaos/render-reliability.ts';

export { FIGURES_DIR, type ScenarioFigures };

export function writeFigures(f: ScenarioFigures): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  writeFileSync(
    join(FIGURES_DIR, `${f.id}.json`),
    `${JSON.stringify({ ...f, at: new Date().toISOString() }, null, 2)}\n`,
  );
}
