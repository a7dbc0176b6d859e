/**
 * Real `digest` processes for chaos scenarios: `node bin/digest.js <args>` with a given environment.
 * Long-running ones (`worker`, `serve`, `start`) are ready when they print "is running"; one-shot
 * ones (`send`, `status`, `schedule set`) are awaited for their exit code and output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = resolve(ROOT, 'bin/digest.js');

export interface DigestProcess {
  pid: number;
  args: string[];
  /** stdout and stderr so far. */
  output(): string;
  signal(sig: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(args: string[], env: Record<string, string>): { child: ChildProcess; p: DigestProcess } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'warn',
      DIGEST_FROM_SOURCE: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  const p: DigestProcess = {
    pid: child.pid!,
    args,
    output: () => out,
    signal: (sig) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
    exited,
  };
  return { child, p };
}

/** Starts `digest worker` (or `serve`/`start`) and resolves once it is running. */
export async function startDigest(
  command: 'worker' | 'serve' | 'start',
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<DigestProcess> {
  const { p } = launch([command], env);
  const t0 = Date.now();
  for (;;) {
    if (p.output().includes('is running')) return p;
    const done = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r(undefined), 50))]);
    if (done) throw new Error(`digest ${command} exited at start: ${p.output().trim().slice(-500)}`);
    if (Date.now() - t0 > timeoutMs) {
      p.signal('SIGKILL');
      throw new Error(`digest ${command} not running after ${timeoutMs} ms: ${p.output().slice(-500)}`);
    }
  }
}

/** Runs a one-shot `digest ...` command to its end. */
export async function runDigest(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; output: string }> {
  const { child, p } = launch(args, env);
  let stdout = '';
  child.stdout?.on('data', (d) => (stdout += d));
  const timer = setTimeout(() => p.signal('SIGKILL'), timeoutMs);
  const { code } = await p.exited;
  clearTimeout(timer);
  return { code, stdout, output: p.output() };
}

/** A pool of `digest worker` processes where one slot can be killed and restarted. */
export class WorkerPool {
  readonly procs: DigestProcess[] = [];
  kills = 0;
  constructor(private readonly env: Record<string, string>) {}

  async start(n: number): Promise<void> {
    const started = await Promise.all(Array.from({ length: n }, () => startDigest('worker', this.env)));
    this.procs.push(...started);
  }

  /** SIGKILL the process in `slot` (no cleanup at all), then start a fresh one in its place. */
  async killAndRestart(slot: number): Promise<void> {
    const victim = this.procs[slot]!;
    victim.signal('SIGKILL');
    await victim.exited;
    this.kills++;
    this.procs[slot] = await startDigest('worker', this.env);
  }

  /** SIGTERM every worker and wait for them (they finish in-flight work first). */
  async stop(): Promise<Array<{ code: number | null; signal: NodeJS.Signals | null }>> {
    for (const p of this.procs) p.signal('SIGTERM');
    const timers = this.procs.map((p) => setTimeout(() => p.signal('SIGKILL'), 60_000));
    const results = await Promise.all(this.procs.map((p) => p.exited));
    for (const t of timers) clearTimeout(t);
    return results;
  }
}
