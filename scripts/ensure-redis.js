#!/usr/bin/env node
// Makes sure `redis-server` is installed before `npm start` / `npm test`. On Debian/Ubuntu as root it
// installs Debian's package; otherwise it prints the exact command to run and stops.
import { execFileSync, spawnSync } from 'node:child_process';

const found = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

if (process.env.REDIS_URL || found('redis-server')) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && found('apt-get')) {
  console.error('redis-server is not installed; installing Debian package redis-server (apt-get) ...');
  try {
    execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'redis-server'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    console.error('Installing redis-server failed. Run: sudo apt-get install -y redis-server');
    process.exit(1);
  }
  // Debian's package starts a system service on 6379; we never use it (we start our own).
  if (found('redis-server')) process.exit(0);
}
console.error(
  'redis-server is required. Install it with: sudo apt-get install -y redis-server ' +
    '(or set REDIS_URL to an existing Redis with AOF on and maxmemory-policy noeviction).',
);
process.exit(1);
