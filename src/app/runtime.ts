/**
 * Runs the long-lived parts of a process: the HTTP server, the queue workers and the scheduler, in
 * any combination (`digest start` = all, `digest worker` = workers, `digest serve` = HTTP).
 * Shutdown is two steps: stop taking new work (close HTTP listener, workers finish in-flight jobs),
 * then close the container (SMTP pool, Redis, embedded services).
 */
import type { FastifyInstance } from 'fastify';
import { UserError } from '../errors/user-error.ts';
import type { Container } from './container.ts';
import type { RunningWorkers } from './start-workers.ts';

export interface RuntimeParts {
  http: boolean;
  workers: boolean;
  scheduler: boolean;
  /** The inbound SMTP listener for bounces, complaints and mailto unsubscribes. */
  inbound?: boolean;
}

export interface Runtime {
  url: string | undefined;
  /** Port of the inbound SMTP listener, when it runs. */
  inboundPort?: number | undefined;
  /** Why the inbound listener is not running although asked for (`digest start` goes on without it). */
  inboundError?: string | undefined;
  stop(): Promise<void>;
}

export async function startRuntime(container: Container, parts: RuntimeParts): Promise<Runtime> {
  let app: FastifyInstance | undefined;
  let workers: RunningWorkers | undefined;
  let url: string | undefined;
  let inbound: { port: number; close(): Promise<void> } | undefined;
  let inboundError: string | undefined;
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
  if (parts.inbound) {
    const { startFeedbackListener } = await import('../feedback/feedback-listener.ts');
    try {
      inbound = await startFeedbackListener(container);
    } catch (err) {
      const { host, inbound: options } = container.config;
      const e = err as Error & { code?: string };
      inboundError = `cannot listen on ${host}:${options.port} for inbound mail (${e.code ?? e.message}); set INBOUND_SMTP_PORT`;
      // `digest inbound` has nothing else to do; `digest start` still sends, and says so.
      if (!parts.http && !parts.workers) {
        await app?.close();
        await workers?.stop();
        throw new UserError(inboundError, 1);
      }
      container.logger.warn({ event: 'feedback.not_listening', reason: inboundError }, inboundError);
    }
  }
  return {
    url,
    inboundPort: inbound?.port,
    inboundError,
    async stop() {
      await inbound?.close();
      await app?.close();
      await workers?.stop();
    },
  };
}
