/**
 * Runs the long-lived parts of a process: the HTTP server, the queue workers and the scheduler, in
 * any combination (`digest start` = all, `digest worker` = workers, `digest serve` = HTTP).
 * Shutdown is two steps: stop taking new work (close HTTP listener, workers finish in-flight jobs),
 * then close the container (SMTP pool, Redis, embedded services). The embedded redis-server runs in
 * its own session, so a terminal's Ctrl-C reaches only this process, which stops Redis last.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../errors/config-error.ts';
import { serverUrlKey } from '../redis/key-layout.ts';
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
  stop(): Promise<void>;
}

/**
 * How long a stop may take to drain before the process exits anyway. In-flight messages take one
 * SMTP hand-off each (well under a second on a healthy relay); past this the relay is hanging, and
 * what is still being handed over becomes `uncertain`, never resent on its own. The embedded
 * redis-server gets SIGTERM from the kernel when we exit (src/redis/embedded-redis.ts).
 */
export const SHUTDOWN_GRACE_MS = 12_000;

export async function startRuntime(container: Container, parts: RuntimeParts): Promise<Runtime> {
  let app: FastifyInstance | undefined;
  let workers: RunningWorkers | undefined;
  let url: string | undefined;
  let inbound: { port: number; close(): Promise<void> } | undefined;
  // `digest inbound` with the listener turned off has nothing to run.
  if (parts.inbound && !parts.http && !parts.workers && container.config.inbound.port === undefined) {
    throw new ConfigError('INBOUND_SMTP_PORT=off turns the inbound listener off; give digest inbound a port');
  }
  try {
    // Listen first: a busy port stops the start before any worker takes a job, and links in emails
    // already point at the listening address when the first job runs.
    if (parts.http) {
      const { buildApp } = await import('../http/app.ts');
      app = await buildApp(container, { logRequests: container.config.logLevel === 'debug' });
      url = await listen(app, container);
      // Links in emails point at the listening address when no PUBLIC_URL is configured.
      if (!container.config.publicUrl) container.publicUrl = url;
      // Announced for the one-shot commands on the same Redis (`digest build` prints its preview link).
      await container.redis.set(serverUrlKey(container.prefix), container.publicUrl);
    }
    // The inbound listener before the workers too: a start that cannot take its bounces stops here,
    // with one line, instead of sending mail whose bounces nobody would receive.
    if (parts.inbound && container.config.inbound.port !== undefined)
      inbound = await listenInbound(container);
    if (parts.workers || parts.scheduler) {
      // Loaded only by the processes that run them: a `digest worker` never loads the HTTP side.
      const { startWorkers } = await import('./start-workers.ts');
      workers = await startWorkers(container, { workers: parts.workers, scheduler: parts.scheduler });
    }
  } catch (err) {
    await inbound?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await workers?.stop().catch(() => undefined);
    throw err;
  }
  return {
    url,
    inboundPort: inbound?.port,
    async stop() {
      await inbound?.close();
      await app?.close();
      await workers?.stop();
    },
  };
}

async function listenInbound(c: Container): Promise<{ port: number; close(): Promise<void> }> {
  const { startFeedbackListener } = await import('../feedback/feedback-listener.ts');
  const { host } = c.config;
  const port = c.config.inbound.port!;
  try {
    return await startFeedbackListener(c);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const off = 'or INBOUND_SMTP_PORT=off to run without it (bounces then come only through relay webhooks)';
    if (code === 'EADDRINUSE')
      throw new ConfigError(
        `cannot listen on ${host}:${port} for bounces and unsubscribes by mail: the port is in use (another digest start?); set INBOUND_SMTP_PORT to a free port, ${off}`,
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
      throw new ConfigError(
        `cannot listen on ${host}:${port} for bounces and unsubscribes by mail (${code}); check HOST and INBOUND_SMTP_PORT, ${off}`,
      );
    throw err;
  }
}

async function listen(app: FastifyInstance, c: Container): Promise<string> {
  const { host, port } = c.config;
  try {
    return await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new ConfigError(
        `cannot listen on ${host}:${port}: the port is in use (another digest start?); set PORT`,
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
      throw new ConfigError(`cannot listen on ${host}:${port} (${code}); check HOST and PORT`);
    throw err;
  }
}

/**
 * Resolves once the process was asked to stop (SIGINT, SIGTERM) and has drained and closed
 * everything. A second signal, or a drain longer than SHUTDOWN_GRACE_MS, exits at once.
 */
export function runUntilSignal(
  stopAll: () => Promise<void>,
  say: (line: string) => void,
  graceMs = SHUTDOWN_GRACE_MS,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write('digest: forced exit\n');
        process.exit(130);
      }
      stopping = true;
      say(`\n${signal}: finishing in-flight work, then stopping ...`);
      const deadline = setTimeout(() => {
        process.stderr.write(
          `digest: in-flight work did not finish within ${graceMs / 1000} s; exiting (messages still being handed over become uncertain)\n`,
        );
        process.exit(1);
      }, graceMs);
      deadline.unref();
      stopAll().then(
        () => {
          clearTimeout(deadline);
          say('stopped.');
          resolve();
        },
        (err: unknown) => {
          process.stderr.write(`digest: stopping failed: ${(err as Error).message ?? err}\n`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
