/**
 * The standalone SMTP sink (scripts/sink/smtp-sink.ts) as a separate process, so that its CPU and
 * memory are not the benchmark's: it accepts and discards, and reports its counters on SIGUSR2.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';

const ROOT = resolve(import.meta.dirname, '../..');

export interface SinkCounters {
  messages: number;
  bytes: number;
  connections: number;
}

/** How the senders reach the sink: plain text, or STARTTLS with a certificate they verify. */
export type BenchTransport = 'plain' | 'starttls';

export interface BenchSink {
  pid: number;
  url: string;
  /** The sink's certificate (STARTTLS), for SMTP_TLS_CA_FILE; undefined over plain text. */
  caFile: string | undefined;
  /** The sink's counters now. */
  counters(): Promise<SinkCounters>;
  stop(): Promise<void>;
}

let certificate: Promise<{ cert: string; key: string }> | undefined;
/** One self-signed certificate per benchmark process (127.0.0.1), written to files for the sink. */
const sinkCertificate = () =>
  (certificate ??= (async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'nd-bench-tls-'));
    writeFileSync(join(dir, 'sink.pem'), pems.cert);
    writeFileSync(join(dir, 'sink.key'), pems.private, { mode: 0o600 });
    return { cert: join(dir, 'sink.pem'), key: join(dir, 'sink.key') };
  })());

export async function startBenchSink(transport: BenchTransport = 'plain'): Promise<BenchSink> {
  const tls = transport === 'starttls' ? await sinkCertificate() : undefined;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'bin/tsx-run.js',
      'scripts/sink/smtp-sink.ts',
      '--port',
      '0',
      ...(tls ? ['--tls', 'starttls', '--cert', tls.cert, '--key', tls.key] : []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let lines: string[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    lines.push(...parts);
  });
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));

  const nextLine = async (event: string, timeoutMs: number): Promise<Record<string, number>> => {
    const t0 = Date.now();
    for (;;) {
      const i = lines.findIndex((l) => l.includes(`"event":"${event}"`));
      if (i >= 0) {
        const line = lines[i]!;
        lines = lines.slice(i + 1);
        return JSON.parse(line) as Record<string, number>;
      }
      if (child.exitCode !== null) throw new Error(`the SMTP sink exited: ${err.trim().slice(-400)}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`no ${event} line from the SMTP sink`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const { port } = await nextLine('listening', 30_000);
  return {
    pid: child.pid!,
    url: tls ? `smtp://127.0.0.1:${port}` : `smtp://127.0.0.1:${port}?tls=off`,
    caFile: tls?.cert,
    async counters() {
      child.kill('SIGUSR2');
      const s = await nextLine('stats', 10_000);
      return { messages: s.messages ?? 0, bytes: s.bytes ?? 0, connections: s.connections ?? 0 };
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
