/**
 * `npm run bench:cli`: how long `digest --help` takes, as a person typing it waits for it. Runs the
 * command RUNS times one after another (the compiled CLI, as `npm install` leaves it; `--source` for the
 * tsx path) and prints the median and spread of the wall clock and of the CPU (user + sys, from
 * /usr/bin/time when present), with the load average before and after: on a shared machine the wall
 * clock follows the load, the CPU much less.
 *
 *   npm run bench:cli -- [--runs 20] [--source]
 *
 * A measurement, never a test: nothing fails on a slow figure (BENCHMARKS.md, CLI start-up).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage } from './proc-stats.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const USAGE = 'usage: npm run bench:cli -- [--runs 20] [--source]';

const args = (() => {
  try {
    return parseArgs({
      options: {
        runs: { type: 'string', default: '20' },
        source: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`bench:cli: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`bench:cli: --runs takes a positive integer, got "${args.runs}"\n${USAGE}\n`);
  process.exit(2);
}

const env = { ...process.env, DIGEST_FROM_SOURCE: args.source ? '1' : '0' };
if (!args.source) {
  // The compiled CLI is what `npm install` builds; build it now if it is missing or stale.
  spawnSync(process.execPath, [join(ROOT, 'scripts/build-cli.js')], { stdio: 'inherit' });
}
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const command = [process.execPath, '--heap-growing-percent=50', join(ROOT, 'bin/digest.js'), '--help'];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const loadBefore = loadAverage();
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < runs; i++) {
  const argv = timeBin ? [timeBin, '-f', 'cpu %U %S', ...command] : command;
  const started = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8', cwd: ROOT });
  wall.push(Number(process.hrtime.bigint() - started) / 1e9);
  if (r.status !== 0) {
    process.stderr.write(`bench:cli: digest --help exited ${r.status}:\n${r.stderr}\n`);
    process.exit(1);
  }
  const m = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (m) cpu.push(Number(m[1]) + Number(m[2]));
}
const loadAfter = loadAverage();
const s = (x: number) => `${x.toFixed(3)} s`;
const lines = [
  `digest --help (${args.source ? 'from the sources, tsx' : 'compiled, dist/cli'}), ${runs} runs, Node ${process.version}`,
  `  load average before ${loadBefore}, after ${loadAfter}`,
  `  wall: median ${s(median(wall))}, min ${s(Math.min(...wall))}, max ${s(Math.max(...wall))}`,
  cpu.length
    ? `  CPU (user + sys): median ${s(median(cpu))}, min ${s(Math.min(...cpu))}, max ${s(Math.max(...cpu))}`
    : '  CPU: /usr/bin/time not installed',
];
process.stdout.write(`${lines.join('\n')}\n`);
