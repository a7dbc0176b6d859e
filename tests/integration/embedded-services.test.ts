import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createContainer } from '../../src/app/container.ts';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors/config-error.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';

const silent = createLogger({ level: 'silent', pretty: false });
const tmp = () => mkdtempSync(join(tmpdir(), 'nd-embedded-'));

describe('embedded defaults', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('starts a private redis-server with AOF and noeviction, and an outbox that keeps .eml files', async () => {
    const dataDir = tmp();
    const container = await createContainer(loadConfig({ DATA_DIR: dataDir }), silent);
    stops.push(() => container.close());
    const [, policy] = (await container.redis.config('GET', 'maxmemory-policy')) as string[];
    const [, aof] = (await container.redis.config('GET', 'appendonly')) as string[];
    expect(policy).toBe('noeviction');
    expect(aof).toBe('yes');
    expect(container.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);

    await container.mailer.send({
      from: 'digest@orbit-weekly.example',
      to: 'reader@example.com',
      subject: 'Hello outbox',
      text: 'It arrived.',
    });
    const files = readdirSync(join(dataDir, 'outbox'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(dataDir, 'outbox', files[0]!), 'utf8');
    expect(eml).toContain('Subject: Hello outbox');
    expect(eml).toContain('It arrived.');
    await container.close();
    stops.pop();
    expect(existsSync(join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
  });

  it('refuses a Redis whose maxmemory-policy evicts keys', async () => {
    const lru = await startEmbeddedRedis({ dir: tmp(), extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    stops.push(() => lru.stop());
    const config = loadConfig({ DATA_DIR: tmp(), REDIS_URL: lru.url, SMTP_URL: 'smtp://127.0.0.1:1' });
    await expect(createContainer(config, silent)).rejects.toThrow(ConfigError);
    await expect(createContainer(config, silent)).rejects.toThrow(/maxmemory-policy allkeys-lru/);
    // The guard checked and disconnected: the server is still fine for others.
    const probe = new Redis(lru.url);
    expect(await probe.ping()).toBe('PONG');
    probe.disconnect();
  });

  it('a second command on the same data dir reuses the running embedded services', async () => {
    const dataDir = tmp();
    const first = await createContainer(loadConfig({ DATA_DIR: dataDir }), silent, { publishEmbedded: true });
    stops.push(() => first.close());
    const second = await createContainer(loadConfig({ DATA_DIR: dataDir }), silent);
    expect(second.redisUrl).toBe(first.redisUrl);
    expect(second.smtpUrl).toBe(first.smtpUrl);
    expect(second.ownsEmbedded).toBe(false);
    await second.close();
    expect(await first.redis.ping()).toBe('PONG');
  });
});
