/**
 * The standalone SMTP sink (scripts/sink/smtp-sink.ts) as a child process, with its ledger file of
 * accepted messages: `<Message-ID> <rcpt> <rcptAtMs>` per line. Copies are counted per Message-ID,
 * which digest makes deterministic per (edition, subscriber).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testTls } from '../../helpers/test-tls.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** How the digest processes reach the sink: STARTTLS unless a scenario is about plain text. */
export type SinkTransport = 'starttls' | 'implicit' | 'off';

export interface SinkFaults {
  tempRate?: number;
  bounceRate?: number;
  dropBeforeDataRate?: number;
  dropAfterDataRate?: number;
  slowMs?: number;
  slowForMs?: number;
  seed?: number;
}

export interface SinkDelivery {
  messageId: string;
  /** Parsed from `<edition.subscriber@domain>`. */
  editionId: string;
  subscriberId: string;
  rcpt: string;
  rcptAt: number;
}

export interface SinkStats {
  messages: number;
  temp: number;
  bounced: number;
  droppedBeforeData: number;
  droppedAfterData: number;
  connections: number;
}

export interface SinkProcess {
  port: number;
  url: string;
  transport: SinkTransport;
  /** The certificate file the digest processes must trust (SMTP_TLS_CA_FILE). */
  caFile: string;
  ledgerFile: string;
  /** Every accepted message so far (the sink writes its ledger as it goes). */
  deliveries(): SinkDelivery[];
  /** Copies per Message-ID. */
  copies(): Map<string, number>;
  /** Stops the sink (flushing its ledger) and returns its final counters. */
  stop(): Promise<SinkStats>;
}

const started: SinkTransport[] = [];
const TRANSPORT_NAMES: Record<SinkTransport, string> = {
  starttls: 'STARTTLS',
  implicit: 'implicit TLS',
  off: 'plain text',
};
/** The transports of the sinks this test file started, for its figures ("STARTTLS"). */
export const startedTransports = (): string =>
  [...new Set(started)].map((t) => TRANSPORT_NAMES[t]).join(', ');

export async function startSinkProcess(
  faults: SinkFaults = {},
  transport: SinkTransport = 'starttls',
): Promise<SinkProcess> {
  const tls = await testTls();
  started.push(transport);
  const dir = mkdtempSync(join(tmpdir(), 'nd-chaos-sink-'));
  const ledgerFile = join(dir, 'ledger.txt');
  const flags: Record<string, number | undefined> = {
    '--temp-rate': faults.tempRate,
    '--bounce-rate': faults.bounceRate,
    '--drop-before-data-rate': faults.dropBeforeDataRate,
    '--drop-after-data-rate': faults.dropAfterDataRate,
    '--slow-ms': faults.slowMs,
    '--slow-for-ms': faults.slowForMs,
    '--seed': faults.seed,
  };
  const args = ['bin/tsx-run.js', 'scripts/sink/smtp-sink.ts', '--port', '0', '--ledger', ledgerFile];
  for (const [flag, v] of Object.entries(flags)) if (v !== undefined) args.push(flag, String(v));
  args.push('--tls', transport);
  if (transport !== 'off') args.push('--cert', tls.caFile, '--key', tls.keyFile);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  let stopping = false;
  const exited = new Promise<void>((res) =>
    child.once('exit', (code, signal) => {
      // A sink that dies on its own would look like a relay outage: say so in the test output.
      if (!stopping) console.error(`smtp sink exited unexpectedly (${code ?? signal}): ${out.slice(-2000)}`);
      res();
    }),
  );
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`sink did not start: ${out}`)), 30_000);
    const check = () => {
      const m = /"event":"listening","port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      } else setTimeout(check, 25);
    };
    check();
    void exited.then(() => rej(new Error(`sink exited: ${out}`)));
  });

  const deliveries = (): SinkDelivery[] => {
    if (!existsSync(ledgerFile)) return [];
    const list: SinkDelivery[] = [];
    for (const line of readFileSync(ledgerFile, 'utf8').split('\n')) {
      const [messageId, rcpt, at] = line.split(' ');
      if (!messageId || !rcpt) continue;
      const m = /^<(\d{4}-W\d{2})\.([^@]+)@/.exec(messageId);
      list.push({
        messageId,
        editionId: m?.[1] ?? '',
        subscriberId: m?.[2] ?? '',
        rcpt,
        rcptAt: Number(at ?? 0),
      });
    }
    return list;
  };
  return {
    port,
    url:
      transport === 'implicit'
        ? `smtps://127.0.0.1:${port}`
        : `smtp://127.0.0.1:${port}${transport === 'off' ? '?tls=off' : ''}`,
    transport,
    caFile: tls.caFile,
    ledgerFile,
    deliveries,
    copies() {
      const m = new Map<string, number>();
      for (const d of deliveries()) m.set(d.messageId, (m.get(d.messageId) ?? 0) + 1);
      return m;
    },
    async stop() {
      stopping = true;
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      const lines = out.split('\n').filter((l) => l.includes('"event":"stats"'));
      return JSON.parse(lines.at(-1) ?? '{}') as SinkStats;
    },
  };
}
