// dev only: ours run at N with RSS samples of the worker

import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runOurs } from './ours.ts';

const n = Number(process.argv[2] ?? 50000);
const samples: string[] = [];
const timer = setInterval(() => {
  try {
    const out = execSync("pgrep -f 'bin/digest.js worker'").toString().trim().split('\n');
    for (const pid of out) {
      try {
        const st = readFileSync(`/proc/${pid}/status`, 'utf8');
        if (Number(/VmRSS:\s+(\d+)/.exec(st)?.[1]) > 100000)
          samples.push(`${/VmRSS:\s+(\d+)/.exec(st)?.[1]}`);
      } catch {}
    }
  } catch (e) {
    samples.push(String(e).slice(0, 80));
  }
}, 2000);
const f = await runOurs({
  subscribers: n,
  workers: 1,
  env: { NODE_OPTIONS: process.env.WORKER_NODE_OPTIONS ?? '' },
});
clearInterval(timer);
console.log(samples.map((s) => (Number.isNaN(Number(s)) ? s : Math.round(Number(s) / 1024))).join(' '));
console.log(f.messagesPerSecond.toFixed(0), f.workerPeakRssMb.toFixed(0), f.workerCpuSeconds);
process.exit(0);
