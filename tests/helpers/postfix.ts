/**
 * A private instance of Debian's Postfix for tests: a real relay on 127.0.0.1 (free port) with its own
 * config, queue and data directories under a temp dir, STARTTLS with the test relays' certificate
 * (test-tls.ts), relaying to a given next hop (a test's smtp-server sink). Recipient domains can be made
 * to bounce: Postfix accepts the message, then its `error` transport fails it and Postfix writes a real DSN to the envelope
 * sender, which `routes` can send to a given host:port (our inbound listener).
 *
 * What cost time to find out (Postfix 3.7, running as root as the tests do):
 * - Postfix logs to syslog by default, and a test machine has no syslog: every refusal is silent (exit 1).
 *   We log to a file in the temp dir, and list the temp dir in `maillog_file_prefixes`: a `maillog_file`
 *   outside that list is refused just as silently.
 * - `postfix -c DIR` as root needs no entry in the default instance's /etc/postfix/main.cf; set-gid
 *   commands (`postqueue`, `postdrop`, so `sendmail`) do: they refuse a DIR that its
 *   `alternate_config_directories` does not list. So this helper uses none of them.
 * - The queue directory must exist before `postfix check`, which then creates its subdirectories with
 *   the right owners; the data directory must belong to `mail_owner`.
 * - Debian's master.cf chroots most daemons into the queue directory; a chroot without copies of
 *   /etc/services, resolv.conf etc. fails in odd ways, so our master.cf chroots nothing.
 * - `postfix start` detaches the master daemon (`start-fg` needs PID 1): we stop it with `postfix stop`
 *   and wait for its pid to go away before removing the directory.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testTls } from './test-tls.ts';

const run = promisify(execFile);

export interface NextHop {
  /** Defaults to 127.0.0.1. */
  host?: string;
  port: number;
}

export interface PostfixOptions {
  /** Where every message goes that is not bounced or routed: `relayhost = [host]:port`. */
  relayTo?: NextHop;
  /**
   * Recipient domains that bounce: Postfix accepts the message at RCPT and DATA (250), then its `error`
   * transport fails it with `5.1.1` and Postfix sends a DSN (multipart/report) from `<>` to the envelope
   * sender.
   */
  bounceDomains?: string[];
  /** Next hops per recipient domain (transport_maps), e.g. the envelope sender's domain → our inbound listener. */
  routes?: Record<string, NextHop>;
  /**
   * `encrypt` (default): the client must STARTTLS before MAIL FROM, so a test that gets its message
   * through knows it went over TLS. `may`: STARTTLS offered, not required.
   */
  tls?: 'encrypt' | 'may';
  /** More main.cf settings (name → value), applied last. */
  settings?: Record<string, string>;
}

export interface PostfixRelay {
  host: string;
  port: number;
  /** An SMTP_URL for our mailer (STARTTLS); pass `(await testTls()).caFile` as SMTP_TLS_CA_FILE to verify it. */
  url: string;
  /** The temp dir holding conf/, queue/, data/ and maillog. */
  dir: string;
  /** Postfix's log so far. */
  log(): string;
  /** How many lines of the log so far match `pattern`. */
  countLog(pattern: RegExp): number;
  /** Resolves with the log once `count` of its lines match `pattern` (Postfix writes it through postlogd). */
  waitForLog(pattern: RegExp, count?: number, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const nextHop = (hop: NextHop) => `[${hop.host ?? '127.0.0.1'}]:${hop.port}`;

/** A port nobody listens on right now (the kernel picks it; Postfix binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Postfix's `inline:{ key = value, ... }` table (no postmap, no files to keep in sync). */
const inlineTable = (entries: Array<[string, string]>) =>
  `inline:{ ${entries.map(([k, v]) => `{ ${k} = ${v} }`).join(', ')} }`;

// Only the services a relay uses; `n` in the chroot column everywhere (see above).
const MASTER_CF = (port: number) => `\
127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

export async function startPostfix(options: PostfixOptions = {}): Promise<PostfixRelay> {
  if (!existsSync('/usr/sbin/postfix'))
    throw new Error('postfix is not installed: run `node scripts/ensure-system-deps.js postfix`');
  const dir = mkdtempSync(join(tmpdir(), 'nd-postfix-'));
  // mkdtemp makes it 0700: the daemons run as `postfix` and must reach queue/ and data/ through it.
  chmodSync(dir, 0o755);
  const conf = join(dir, 'conf');
  const queue = join(dir, 'queue');
  const data = join(dir, 'data');
  const maillog = join(dir, 'maillog');
  for (const d of [conf, queue, data]) mkdirSync(d);
  const owner = await run('id', ['-u', 'postfix']);
  const group = await run('id', ['-g', 'postfix']);
  chownSync(data, Number(owner.stdout.trim()), Number(group.stdout.trim()));

  // The test relays' certificate (tests/helpers/test-tls.ts), which test containers trust through
  // SMTP_TLS_CA_FILE: our client verifies Postfix's certificate as it would a real relay's.
  const tls = await testTls();
  writeFileSync(join(conf, 'cert.pem'), tls.cert);
  writeFileSync(join(conf, 'key.pem'), tls.key, { mode: 0o600 });

  const port = await freePort();
  const transports: Array<[string, string]> = [
    ...(options.bounceDomains ?? []).map((d): [string, string] => [
      d,
      'error:5.1.1 mailbox unknown (test bounce)',
    ]),
    ...Object.entries(options.routes ?? {}).map(([d, hop]): [string, string] => [d, `smtp:${nextHop(hop)}`]),
  ];
  const settings: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: queue,
    data_directory: data,
    mail_owner: 'postfix',
    setgid_group: 'postdrop',
    maillog_file: maillog,
    maillog_file_prefixes: dir,
    myhostname: 'relay.postfix.test',
    mydomain: 'postfix.test',
    myorigin: '$myhostname',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    // Nothing is local: every recipient is relayed, bounced or routed.
    mydestination: '',
    local_recipient_maps: '',
    alias_maps: '',
    alias_database: '',
    local_transport: 'error:local delivery is disabled',
    mynetworks: '127.0.0.0/8',
    // Accept every recipient at RCPT, bounce ones included: the bounce comes later, as a DSN.
    smtpd_reject_unlisted_recipient: 'no',
    smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
    relayhost: options.relayTo ? nextHop(options.relayTo) : '',
    transport_maps: transports.length ? inlineTable(transports) : '',
    smtp_dns_support_level: 'disabled',
    smtputf8_enable: 'no',
    biff: 'no',
    smtpd_banner: '$myhostname ESMTP test relay',
    smtpd_tls_cert_file: join(conf, 'cert.pem'),
    smtpd_tls_key_file: join(conf, 'key.pem'),
    smtpd_tls_security_level: options.tls ?? 'encrypt',
    smtpd_tls_received_header: 'yes',
    smtpd_tls_loglevel: '1',
    smtp_tls_security_level: 'may',
    smtp_tls_loglevel: '1',
    // A test's next hop can be briefly away: retry within seconds, not minutes.
    queue_run_delay: '1s',
    minimal_backoff_time: '1s',
    maximal_backoff_time: '2s',
    // Bounce now and say so in the DSN; no "delayed" warnings during a test.
    delay_warning_time: '0',
    ...options.settings,
  };
  writeFileSync(
    join(conf, 'main.cf'),
    `${Object.entries(settings)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n')}\n`,
  );
  writeFileSync(join(conf, 'master.cf'), MASTER_CF(port));

  const log = () => (existsSync(maillog) ? readFileSync(maillog, 'utf8') : '');
  const postfix = async (command: string) => {
    try {
      await run('/usr/sbin/postfix', ['-c', conf, command]);
    } catch (err) {
      throw new Error(`postfix ${command} failed (${(err as Error).message.trim()}); its log:\n${log()}`);
    }
  };
  const masterPid = (): number | undefined => {
    const file = join(queue, 'pid', 'master.pid');
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : Number.NaN;
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  await postfix('check');
  await postfix('start');
  // The master is not our child: if the test process ends without stop(), take it down on the way out.
  const stopOnExit = () => {
    try {
      execFileSync('/usr/sbin/postfix', ['-c', conf, 'stop'], { stdio: 'ignore' });
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopOnExit);

  const relay: PostfixRelay = {
    host: '127.0.0.1',
    port,
    url: `smtp://127.0.0.1:${port}`,
    dir,
    log,
    countLog: (pattern) =>
      log()
        .split('\n')
        .filter((line) => pattern.test(line)).length,
    async waitForLog(pattern, count = 1, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const text = log();
        if (relay.countLog(pattern) >= count) return text;
        if (Date.now() > until)
          throw new Error(`postfix log has fewer than ${count} lines matching ${pattern}:\n${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      process.removeListener('exit', stopOnExit);
      const pid = masterPid();
      await postfix('stop').catch(() => undefined);
      for (let i = 0; pid && alive(pid) && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
  try {
    // The master binds the port before `postfix start` returns; its smtpd answers once a client connects.
    await relay.waitForLog(/daemon started/, 1, 10_000);
  } catch (err) {
    await relay.stop();
    throw err;
  }
  return relay;
}
