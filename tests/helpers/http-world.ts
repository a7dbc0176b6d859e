/**
 * The HTTP side as tests use it: a real SMTP sink, the production container on the test Redis, and
 * `buildApp` (not listening: tests call `inject`). `stop` undoes all of it, keys included.
 */
import type { FastifyInstance } from 'fastify';
import type { Container } from '../../src/app/container.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from './container.ts';
import { cleanupPrefix } from './redis.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';

export interface HttpWorld {
  sink: SmtpSink;
  container: Container;
  app: FastifyInstance;
  stop(): Promise<void>;
}

export async function startHttpWorld(env?: Record<string, string>): Promise<HttpWorld> {
  const sink = await startSmtpSink();
  const container = await createTestContainer({ smtpUrl: sink.url, env });
  const app = await buildApp(container);
  return {
    sink,
    container,
    app,
    async stop() {
      await app.close();
      await cleanupPrefix(container.redis, container.prefix);
      await container.close();
      await sink.stop();
    },
  };
}
