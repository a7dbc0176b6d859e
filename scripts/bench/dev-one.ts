// dev only (not committed): one ours run
import { runOurs } from './ours.ts';

const n = Number(process.argv[2] ?? 5000);
const profileDir = process.argv[3];
const f = await runOurs({ subscribers: n, workers: 1, profileDir });
console.log(JSON.stringify(f, null, 1));
process.exit(0);
