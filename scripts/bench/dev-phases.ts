// dev only: phases of one ours run
import { controlDeps } from '../../src/app/step-deps.ts';
import { startSend } from '../../src/delivery/edition-control.ts';
import { startBenchWorld } from './bench-world.ts';
import { cpuSeconds } from './proc-stats.ts';
const n = Number(process.argv[2] ?? 10000);
const world = await startBenchWorld();
await world.seedArticles();
await world.seedSubscribers(n);
const [w] = await world.startWorkers(1);
const t0 = Date.now();
const c0 = cpuSeconds(w!.pid) ?? 0;
await startSend(controlDeps(world.c), world.editionId, { immediate: true, force: true, now: new Date(t0) });
const tTrig = Date.now() - t0;
const marks: string[] = [`trigger returned ${tTrig}ms`];
let last = 0;
for (;;) {
  const { messages } = await world.sink.counters();
  const e = await world.c.editions.get(world.editionId);
  if (messages > 0 && last === 0) marks.push(`first message ${Date.now() - t0}ms cpu ${((cpuSeconds(w!.pid) ?? 0) - c0).toFixed(2)}`);
  if (messages >= n / 2 && last < n / 2) marks.push(`half ${Date.now() - t0}ms`);
  last = messages;
  if (e?.status === 'sent') { marks.push(`sent ${Date.parse(e.finishedAt!) - t0}ms cpu ${((cpuSeconds(w!.pid) ?? 0) - c0).toFixed(2)}`); break; }
  await new Promise((r) => setTimeout(r, 20));
}
console.log(marks.join('\n'));
await w!.stop();
await world.close();
process.exit(0);
