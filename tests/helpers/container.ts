/**
 * Builds the real container for a test: the shared test Redis under a unique prefix, a given SMTP
 * server, a throwaway data dir. Same wiring as production, no stubs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { type Container, createContainer } from '../../src/app/container.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logging/logger.ts';
import { testRedisUrl, uniquePrefix } from './redis.ts';
import { testTls } from './test-tls.ts';

export async function createTestContainer(options: {
  smtpUrl: string;
  env?: Record<string, string>;
  /** Default: silent. */
  logger?: Logger;
}): Promise<Container> {
  // In the `cluster` test project (vitest.config.ts) the container runs on the local Redis Cluster.
  const clusterNodes = inject('redisClusterNodes');
  const config = loadConfig({
    ...(clusterNodes ? { REDIS_CLUSTER_NODES: clusterNodes } : { REDIS_URL: testRedisUrl() }),
    REDIS_PREFIX: uniquePrefix(),
    SMTP_URL: options.smtpUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'nd-test-data-')),
    LINK_SECRET: 'test-link-secret-0123456789',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    PUBLIC_URL: 'https://digest.test',
    // The test relays' certificate is verified, as a real relay's would be (not waved through as loopback).
    SMTP_TLS_CA_FILE: (await testTls()).caFile,
    ...options.env,
  });
  return createContainer(config, options.logger ?? createLogger({ level: 'silent', pretty: false }));
}
