/**
 * The shape every chaos scenario shares: run, collect figures and named checks, write the figures
 * (passed or not, so RELIABILITY.md shows a failing run too), then assert the checks.
 */
import { expect } from 'vitest';
import { type ScenarioFigures, writeFigures } from './figures.ts';
import { startedTransports } from './sink-process.ts';

export interface ScenarioResult {
  figures: ScenarioFigures['figures'];
  /** Check name → held. Every check must hold for the scenario to pass. */
  checks: Record<string, boolean>;
  note?: string;
}

export async function runScenario(
  meta: { id: string; title: string; promise: string },
  body: () => Promise<ScenarioResult>,
): Promise<void> {
  const t0 = Date.now();
  let result: ScenarioResult;
  try {
    result = await body();
  } catch (err) {
    writeFigures({
      ...meta,
      transport: startedTransports() || undefined,
      figures: {},
      passed: false,
      durationMs: Date.now() - t0,
      note: `error: ${(err as Error).message.slice(0, 300)}`,
    });
    throw err;
  }
  const failed = Object.entries(result.checks)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  writeFigures({
    ...meta,
    transport: startedTransports() || undefined,
    figures: result.figures,
    passed: failed.length === 0,
    durationMs: Date.now() - t0,
    note:
      [result.note, failed.length ? `failed: ${failed.join('; ')}` : ''].filter(Boolean).join(' ') ||
      undefined,
  });
  expect(failed, JSON.stringify(result.figures)).toEqual([]);
}
