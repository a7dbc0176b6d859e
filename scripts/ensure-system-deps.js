#!/usr/bin/env node
// Makes sure the programs the project runs are installed: `redis-server` (npm start, npm test),
// Debian's `chromium` (the browser tests), `postfix` (the end-to-end tests through a real relay),
// `spamassassin` (the spam-score test) and `python3-dkim` (the independent DKIM verifier of the tests).
// On Debian/Ubuntu as root it installs Debian's packages; otherwise it prints the exact command to run
// and stops.
//   node scripts/ensure-system-deps.js [--unless-redis-url] redis-server [chromium] [postfix]
//     [spamassassin] [python3-dkim]
import { execFileSync, spawnSync } from 'node:child_process';

const KNOWN = {
  'redis-server': {
    bin: 'redis-server',
    why: 'the embedded Redis (or set REDIS_URL to a Redis with AOF on and maxmemory-policy noeviction)',
  },
  // setpriv and flock tie the embedded redis-server to the process that starts it (its parent-death
  // signal and its data-dir lock: src/redis/embedded-redis.ts). Essential on Debian; checked anyway.
  'util-linux': {
    bin: 'setpriv',
    why: 'the embedded Redis (setpriv and flock make it die with its owner and lock its data dir)',
  },
  chromium: { bin: 'chromium', why: "the browser tests (Playwright drives Debian's Chromium)" },
  // The tests run private instances (tests/helpers/postfix.ts); the system's own is left unconfigured
  // ("No configuration": no main.cf), so the package's install starts no MTA on port 25.
  postfix: {
    bin: '/usr/sbin/postfix',
    why: 'the end-to-end test through a real relay (a private Postfix instance per test)',
    debconf: ['postfix postfix/main_mailer_type select No configuration'],
  },
  // Only its command-line checker is used (`spamassassin -L -t`, local rules, no daemon, no network).
  spamassassin: {
    bin: 'spamassassin',
    why: "the spam-score test of the digest (SpamAssassin's local rules)",
  },
  // Debian's dkimpy: the independent verifier of our DKIM signatures (tests/helpers/dkim-verify.ts).
  'python3-dkim': {
    bin: '/usr/bin/dkimverify',
    why: 'checking our DKIM signatures with an independent verifier',
  },
};

// `--unless-redis-url`: `npm start` against an external Redis (REDIS_URL) needs no local redis-server.
const args = process.argv.slice(2);
const skipRedis = args.includes('--unless-redis-url') && Boolean(process.env.REDIS_URL);
const wanted = args.filter((a) => a !== '--unless-redis-url' && !(skipRedis && a === 'redis-server'));
if (wanted.includes('redis-server')) wanted.push('util-linux');
for (const name of wanted) {
  if (!KNOWN[name]) {
    console.error(`ensure-system-deps: unknown package ${name}; known: ${Object.keys(KNOWN).join(', ')}`);
    process.exit(2);
  }
}
const found = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = wanted.filter((name) => !found(KNOWN[name].bin));
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && found('apt-get')) {
  console.error(`Installing ${missing.join(' and ')} from Debian's packages (apt-get) ...`);
  try {
    const debconf = missing.flatMap((name) => KNOWN[name].debconf ?? []);
    if (debconf.length)
      execFileSync('debconf-set-selections', [], {
        input: `${debconf.join('\n')}\n`,
        stdio: ['pipe', 'ignore', 'inherit'],
      });
    execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    console.error(`Installing failed. Run: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  if (missing.every((name) => found(KNOWN[name].bin))) process.exit(0);
}
for (const name of missing) console.error(`${name} is required for ${KNOWN[name].why}.`);
console.error(`Install with: sudo apt-get install -y ${missing.join(' ')}`);
process.exit(1);
