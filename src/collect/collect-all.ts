/**
 * The collect step: every source, a few at a time; one broken source never stops the others. The
 * publication file's sources are registered (or dropped) first: the file is the configuration. Plain async function over injected
 * dependencies, so the `collect` worker (with retries and backoff) and `digest collect` share it.
 */
import type { SourceReport } from './collect-report.ts';
import { type CollectDeps, collectSource } from './collect-source.ts';

export async function collectAll(deps: CollectDeps, now: Date): Promise<SourceReport[]> {
  await deps.sources.syncFromFile(deps.publication.sources, now);
  const sources = await deps.sources.list();
  const reports: SourceReport[] = new Array(sources.length);
  let next = 0;
  const worker = async () => {
    while (next < sources.length) {
      const i = next++;
      reports[i] = await collectSource(deps, sources[i]!, now);
    }
  };
  const concurrency = Math.max(1, Math.min(deps.concurrency ?? 4, sources.length));
  await Promise.all(Array.from({ length: concurrency }, worker));
  deps.logger?.info(
    {
      event: 'collect.done',
      sources: reports.length,
      new: reports.reduce((n, r) => n + r.new, 0),
      failed: reports.filter((r) => r.status === 'error').length,
    },
    'collect finished',
  );
  return reports;
}
