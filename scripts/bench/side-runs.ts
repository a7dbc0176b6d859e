/**
 * The two comparison pipelines, each in its own process against its own sink process (the same sink
 * program as ours), so that each one's peak RSS and CPU are its own.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { cpuSeconds, peakRssMb } from './proc-stats.ts';
import { type BenchTransport, startBenchSink } from './sink-process.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface SideFigures {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  peakRssMb: number;
  cpuSeconds: number;
  sinkPeakRssMb: number;
  sinkCpuSeconds: number;
  bytesPerMessage: number;
}

export async function runSide(
  script: 'naive-send.ts' | 'ceiling-send.ts',
  args: string[],
  transport: BenchTransport = 'plain',
): Promise<SideFigures> {
  const sink = await startBenchSink(transport);
  try {
    const sinkCpu0 = cpuSeconds(sink.pid) ?? 0;
    const out = await new Promise<string>((res, rej) => {
      const child = spawn(
        process.execPath,
        [
          'bin/tsx-run.js',
          `scripts/bench/${script}`,
          '--smtp',
          sink.url,
          ...(sink.caFile ? ['--ca', sink.caFile] : []),
          ...args,
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (code) =>
        code === 0 ? res(stdout) : rej(new Error(`${script} failed: ${stderr.slice(-600)}`)),
      );
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      messages: number;
      ms: number;
      peakRssMb: number;
      cpuSeconds: number;
    };
    const counters = await sink.counters();
    if (counters.messages !== r.messages) {
      throw new Error(`${script}: sent ${r.messages} but the sink accepted ${counters.messages}`);
    }
    return {
      messages: r.messages,
      seconds: r.ms / 1000,
      messagesPerSecond: r.messages / (r.ms / 1000),
      peakRssMb: r.peakRssMb,
      cpuSeconds: r.cpuSeconds,
      sinkPeakRssMb: peakRssMb(sink.pid) ?? 0,
      sinkCpuSeconds: (cpuSeconds(sink.pid) ?? 0) - sinkCpu0,
      bytesPerMessage: counters.bytes / Math.max(1, counters.messages),
    };
  } finally {
    await sink.stop();
  }
}
