/**
 * Runs the long-lived parts of a process: the HTTP server, the queue workers and the scheduler, in
 * any combination (`digest start` = all, `digest worker` = workers, `digest serve` = HTTP).
 * Shutdown is two steps: stop taking new work (close HTTP listener, workers finish in-flight jobs),
 * then close the container (SMTP pool, Redis, embedded services).
 */
import type { FastifyInstance } from 'fastify';
import type { Container } from './container.ts';
import type { RunningWorkers } from './start-workers.ts';

export interface RuntimeParts {
  http: boolean;
  workers: boolean;
  scheduler: boolean;
}

export interface Runtime {
  url: string | undefined;
  stop(): Promise<void>;
}

export async function startRuntime(container: Container, parts: RuntimeParts): Promise<Runtime> {
  let app: FastifyInstance | undefined;
  let workers: RunningWorkers | undefined;
  let url: string | undefined;
  if (parts.workers || parts.scheduler) {
    // Loaded only by the processes that run them: a `digest worker` never loads the HTTP side.
    const { startWorkers } = await import('./start-workers.ts');
    workers = await startWorkers(container, { workers: parts.workers, scheduler: parts.scheduler });
  }
  if (parts.http) {
    const { buildApp } = await import('../http/app.ts');
    app = await buildApp(container, { logRequests: container.config.logLevel === 'debug' });
    const address = await app.listen({ host: container.config.host, port: container.config.port });
    url = address;
    // Links in emails point at the listening address when no PUBLIC_URL is configured.
    if (!container.config.publicUrl) container.publicUrl = address;
  }
  return {
    url,
    async stop() {
      await app?.close();
      await workers?.stop();
    },
  };
}
