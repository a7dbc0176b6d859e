/**
 * A standalone SMTP sink process for benchmarks and chaos tests (real smtp-server, 127.0.0.1 only).
 * It accepts and discards messages, counting messages and bytes, and can inject faults:
 *
 *   node bin/tsx-run.js scripts/sink/smtp-sink.ts --port 0 [--ledger FILE] [--temp-rate 0.1]
 *        [--bounce-rate 0.02] [--drop-before-data-rate 0.01] [--drop-after-data-rate 0]
 *        [--slow-ms 500 --slow-for-ms 60000] [--auth user:pass] [--seed 1]
 *        [--tls off|starttls|implicit --cert FILE --key FILE]
 *
 * `--tls starttls` offers STARTTLS, `--tls implicit` speaks TLS from the first byte (smtps, 465-style),
 * both with the PEM certificate and key given (the chaos harness and the benchmark make one at start
 * and have the digest processes trust it through SMTP_TLS_CA_FILE); the default is plain text.
 *
 * On start it prints one JSON line `{"event":"listening","port":N}`; on SIGUSR2 and on exit a
 * `{"event":"stats",...}` line. With --ledger it appends `<Message-ID> <rcpt> <rcptAtMs>` per accepted
 * message, so a test can count copies per (edition, subscriber) (digest Message-IDs are deterministic)
 * and tell when the transaction started (the RCPT TO time: a claim always precedes it).
 * Fault decisions are made per (recipient, attempt) with a seeded PRNG, so runs are repeatable.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { SMTPServer } from 'smtp-server';

interface Options {
  port: number;
  ledger?: string;
  tempRate: number;
  bounceRate: number;
  dropBeforeDataRate: number;
  dropAfterDataRate: number;
  slowMs: number;
  slowForMs: number;
  auth?: { user: string; pass: string };
  seed: number;
  tls: 'off' | 'starttls' | 'implicit';
  cert?: string;
  key?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    port: 0,
    tempRate: 0,
    bounceRate: 0,
    dropBeforeDataRate: 0,
    dropAfterDataRate: 0,
    slowMs: 0,
    slowForMs: 0,
    seed: 1,
    tls: 'off',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    const num = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0)
        throw new Error(`${flag} needs a non-negative number, got "${value}"`);
      return n;
    };
    switch (flag) {
      case '--port':
        o.port = num();
        break;
      case '--ledger':
        o.ledger = value;
        break;
      case '--temp-rate':
        o.tempRate = num();
        break;
      case '--bounce-rate':
        o.bounceRate = num();
        break;
      case '--drop-before-data-rate':
        o.dropBeforeDataRate = num();
        break;
      case '--drop-after-data-rate':
        o.dropAfterDataRate = num();
        break;
      case '--slow-ms':
        o.slowMs = num();
        break;
      case '--slow-for-ms':
        o.slowForMs = num();
        break;
      case '--seed':
        o.seed = num();
        break;
      case '--tls':
        if (value !== 'off' && value !== 'starttls' && value !== 'implicit')
          throw new Error(`--tls needs off, starttls or implicit, got "${value}"`);
        o.tls = value;
        break;
      case '--cert':
        o.cert = value;
        break;
      case '--key':
        o.key = value;
        break;
      case '--auth': {
        const at = value.indexOf(':');
        if (at < 1) throw new Error('--auth needs user:pass');
        o.auth = { user: value.slice(0, at), pass: value.slice(at + 1) };
        break;
      }
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  if (o.tls !== 'off' && (!o.cert || !o.key))
    throw new Error('--tls starttls|implicit needs --cert and --key');
  return o;
}

/** A deterministic number in [0, 1) per key (FNV-1a), so a recipient's fate repeats across runs. */
function chance(seed: number, key: string): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return ((h >>> 0) % 1_000_000) / 1_000_000;
}

const o = parseArgs(process.argv.slice(2));
const started = Date.now();
const stats = {
  messages: 0,
  bytes: 0,
  temp: 0,
  bounced: 0,
  droppedBeforeData: 0,
  droppedAfterData: 0,
  connections: 0,
  connectionErrors: 0,
};
const attempts = new Map<string, number>();
/** When the current transaction's RCPT TO was accepted, per session. */
const rcptAt = new Map<string, number>();
const ledger: WriteStream | undefined = o.ledger ? createWriteStream(o.ledger, { flags: 'a' }) : undefined;
const replyError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });
const attemptOf = (rcpt: string) => {
  const n = (attempts.get(rcpt) ?? 0) + 1;
  attempts.set(rcpt, n);
  return n;
};

const server = new SMTPServer({
  authOptional: !o.auth,
  allowInsecureAuth: true,
  secure: o.tls === 'implicit',
  ...(o.tls === 'off' ? {} : { cert: readFileSync(o.cert!), key: readFileSync(o.key!) }),
  disabledCommands: o.tls === 'off' ? ['STARTTLS'] : [],
  logger: false,
  maxClients: 1000,
  size: 50 * 1024 * 1024,
  onConnect(_session, cb) {
    stats.connections++;
    cb();
  },
  onAuth(auth, _session, cb) {
    if (o.auth && auth.username === o.auth.user && auth.password === o.auth.pass)
      return cb(null, { user: auth.username });
    return cb(replyError(535, 'Authentication credentials invalid'));
  },
  onRcptTo(address, session, cb) {
    const rcpt = address.address.toLowerCase();
    const n = attemptOf(rcpt);
    // Only a first attempt gets a temporary failure or a dropped connection: retries go through.
    if (chance(o.seed, `bounce:${rcpt}`) < o.bounceRate) {
      stats.bounced++;
      return cb(replyError(550, 'No such user'));
    }
    if (n === 1 && chance(o.seed, `temp:${rcpt}`) < o.tempRate) {
      stats.temp++;
      return cb(replyError(chance(o.seed, `code:${rcpt}`) < 0.5 ? 421 : 451, 'Try again later'));
    }
    if (n === 1 && chance(o.seed, `dropb:${rcpt}`) < o.dropBeforeDataRate) {
      stats.droppedBeforeData++;
      dropConnection(server, session.id);
      return;
    }
    rcptAt.set(session.id, Date.now());
    cb();
  },
  onClose(session) {
    rcptAt.delete(session.id);
  },
  onData(stream, session, cb) {
    let bytes = 0;
    const head: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (head.length < 4) head.push(chunk);
    });
    stream.on('end', () => {
      const rcpt = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
      const n = attempts.get(rcpt[0] ?? '') ?? 1;
      if (n === 1 && chance(o.seed, `dropa:${rcpt[0]}`) < o.dropAfterDataRate) {
        stats.droppedAfterData++;
        dropConnection(server, session.id);
        return;
      }
      const finish = () => {
        stats.messages++;
        stats.bytes += bytes;
        if (ledger) {
          const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(Buffer.concat(head).toString('latin1'));
          ledger.write(`${m?.[1] ?? '<none>'} ${rcpt.join(',')} ${rcptAt.get(session.id) ?? 0}\n`);
        }
        cb();
      };
      const slow = o.slowMs > 0 && (o.slowForMs === 0 || Date.now() - started < o.slowForMs);
      if (slow) setTimeout(finish, o.slowMs);
      else finish();
    });
  },
});

const print = (v: object) => process.stdout.write(`${JSON.stringify(v)}\n`);
// A client that dies mid-conversation (a killed worker) resets its socket: smtp-server reports that
// as an 'error' event, which would end this process if nobody listened.
server.on('error', () => {
  stats.connectionErrors++;
});
server.listen(o.port, '127.0.0.1', () => {
  const addr = server.server.address();
  print({ event: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 });
});
process.on('SIGUSR2', () => print({ event: 'stats', ...stats }));
const stop = () => {
  print({ event: 'stats', ...stats });
  ledger?.end();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/** Closes a client's socket without a reply (smtp-server keeps its connections in a set, by session id). */
function dropConnection(server: SMTPServer, sessionId: string): void {
  const connections = (
    server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }
  ).connections;
  for (const c of connections) if (c.id === sessionId) c._socket.destroy();
}
