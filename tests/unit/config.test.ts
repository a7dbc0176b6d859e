import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors/config-error.ts';

const reject = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe('config', () => {
  it('has embedded defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.redisUrl).toBeUndefined();
    expect(c.smtpUrl).toBeUndefined();
    expect(c.port).toBe(8080);
    expect(c.redisPrefix).toBe('nd');
    expect(c.linkKeys).toBeUndefined();
    expect(c.relayOutageLimitSeconds).toBe(900);
    expect(c.smtpTlsCaFile).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535 \(got "abc"\)$/],
    [{ PORT: '70000' }, /^PORT must be a whole number/],
    [{ REDIS_URL: 'nope' }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ SMTP_URL: 'http://x' }, /^SMTP_URL must be an smtp:\/\//],
    [
      { REDIS_CLUSTER_NODES: '10.0.0.1' },
      /^REDIS_CLUSTER_NODES must be comma-separated host:port seed nodes/,
    ],
    [{ REDIS_CLUSTER_NODES: '10.0.0.1:6379;10.0.0.2:6379' }, /^REDIS_CLUSTER_NODES must be comma-separated/],
    [{ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379/2' }, /^REDIS_CLUSTER_NODES must be comma-separated/],
    [
      { REDIS_CLUSTER_NODES: 'rediss://a:b@10.0.0.1:6379,redis://10.0.0.2:6379' },
      /^REDIS_CLUSTER_NODES must be seed nodes with one user, password and scheme/,
    ],
    [
      { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' },
      /^set REDIS_URL \(one Redis\) or REDIS_CLUSTER_NODES \(a Redis Cluster\), not both$/,
    ],
    [{ PUBLIC_URL: 'digest.example.com' }, /^PUBLIC_URL must be an http\(s\) URL/],
    [{ LINK_SECRET: 'short' }, /^LINK_SECRET must be at least 16 characters/],
    [{ LINK_KEYS: 'k1' }, /^LINK_KEYS must be comma-separated keyId:secret pairs/],
    [{ MAIL_FROM: 'not an address' }, /^MAIL_FROM must be an address/],
    [{ MAIL_FROM: 'a@b.example\r\nBcc: x@y.example' }, /^MAIL_FROM must be an address/],
    [{ ADMIN_TOKEN: 'x' }, /^ADMIN_TOKEN must be at least 16 characters/],
    [{ METRICS_TOKEN: 'short' }, /^METRICS_TOKEN must be at least 16 characters/],
    [{ PUBLICATION_TIMEZONE: 'Mars/Olympus' }, /^PUBLICATION_TIMEZONE must be an IANA timezone/],
    [{ SCHEDULE_CRON: 'every monday' }, /^SCHEDULE_CRON must be a weekly 5-field cron/],
    [{ ALLOW_PRIVATE_FEED_HOSTS: 'maybe' }, /^ALLOW_PRIVATE_FEED_HOSTS must be true or false/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [
      { RELAY_OUTAGE_LIMIT: '15m' },
      /^RELAY_OUTAGE_LIMIT must be a whole number from 1 to 604800 \(got "15m"\)$/,
    ],
    [{ RELAY_OUTAGE_LIMIT: '0' }, /^RELAY_OUTAGE_LIMIT must be a whole number from 1 to 604800/],
    [{ TRUST_PROXY: 'maybe' }, /^TRUST_PROXY must be false, a hop count/],
    [
      { DKIM_DOMAIN: 'example.com' },
      /^DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE must be set together$/,
    ],
  ])('rejects %j with one line naming the variable', (env, message) => {
    const text = reject(env);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });

  it('reads REDIS_CLUSTER_NODES: host:port seeds, and the user, password and TLS of its URL nodes', () => {
    expect(loadConfig({}).redisCluster).toBeUndefined();
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002' }).redisCluster,
    ).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'rediss://digest:s%40cret@10.0.0.1:6379,10.0.0.2:6379' })
        .redisCluster,
    ).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 6379 },
        { host: '10.0.0.2', port: 6379 },
      ],
      username: 'digest',
      password: 's@cret',
      tls: true,
    });
  });

  it('reads link keys newest first for rotation', () => {
    const c = loadConfig({ LINK_KEYS: 'k2:abcdefghijklmnopq,k1:0123456789abcdefg' });
    expect(c.linkKeys).toEqual([
      { id: 'k2', secret: 'abcdefghijklmnopq' },
      { id: 'k1', secret: '0123456789abcdefg' },
    ]);
  });

  it('trusts no proxy by default, and the configured ones when set', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
  });

  it('accepts a named sender', () => {
    expect(loadConfig({ MAIL_FROM: 'Orbit Weekly <digest@orbit.example>' }).mailFrom).toBe(
      'Orbit Weekly <digest@orbit.example>',
    );
  });

  it.each([
    [{ LINK_SECRET: 'Sh0rt-secret' }, 'Sh0rt-secret'],
    [{ LINK_KEYS: 'k2:Newest-secret-0123456789,k1:Old-9' }, 'Old-9'],
    [{ LINK_KEYS: 'k2:Newest-secret-0123456789, k1:Old-secret-0123456789' }, 'secret-0123456789'],
    [{ LINK_KEYS: 'Newest-secret-0123456789' }, 'Newest-secret'],
    [{ ADMIN_TOKEN: 'Adm1n' }, 'Adm1n'],
    [{ METRICS_TOKEN: 'Metr1cs' }, 'Metr1cs'],
    [{ REDIS_URL: 'redis//:Redis-pass@10.0.0.5:6379' }, 'Redis-pass'],
    [{ SMTP_URL: 'smtp:/user:Smtp-pass@relay.example' }, 'Smtp-pass'],
    [
      { REDIS_CLUSTER_NODES: 'rediss://u:Cluster-pass@10.0.0.1:6379,rediss://u:Cluster-pass@x' },
      'Cluster-pass',
    ],
  ])('names the variable of %j but never shows the secret', (env, secret) => {
    const text = reject(env);
    expect(text).toMatch(new RegExp(`^${Object.keys(env)[0]} must be`));
    expect(text).not.toContain(secret);
    expect(text).not.toContain('\n');
  });
});
