/**
 * What every subcommand needs: the validated config, a logger and (built on demand) the container.
 * `withContainer` builds it, runs the action and always closes it again.
 */
// The container (Redis, BullMQ, SMTP, rendering) and the logger are imported when a command runs,
// not when the CLI starts: `digest --help` and bad usage stay quick (BENCHMARKS.md, CLI start-up).
import type { Container, ContainerOptions } from '../app/container.ts';
import { type Config, loadConfig } from '../config.ts';
import { UserError } from '../errors/user-error.ts';
import type { Logger } from '../logging/logger.ts';

/** How long a one-shot command waits for a Redis that went away mid-command before it gives up. */
export const REDIS_GIVE_UP_MS = 8000;

let cachedConfig: Config | undefined;

export function getConfig(): Config {
  cachedConfig ??= loadConfig();
  return cachedConfig;
}

export async function getLogger(config: Config = getConfig()): Promise<Logger> {
  const { createLogger } = await import('../logging/logger.ts');
  // One-shot commands keep the terminal for their own output: only warnings and worse are logged.
  return createLogger({ level: config.logLevel, pretty: config.logPretty });
}

export async function withContainer<T>(
  action: (container: Container) => Promise<T>,
  options: ContainerOptions & { logLevel?: string } = {},
): Promise<T> {
  const config = getConfig();
  // One-shot commands keep the terminal for their own output: `info` becomes `warn`; a quieter or a
  // more verbose LOG_LEVEL is honoured.
  const level = options.logLevel ?? (config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { createLogger } = await import('../logging/logger.ts');
  const { createContainer } = await import('../app/container.ts');
  const logger = createLogger({ level, pretty: config.logPretty });
  const container = await createContainer(config, logger, { redisGiveUpMs: REDIS_GIVE_UP_MS, ...options });
  try {
    return await action(container);
  } catch (err) {
    // Whatever failed while Redis was gone failed because of it: say that, in one line.
    if (container.redisOutage.isDown()) throw new UserError(container.redisOutage.describe(), 2);
    throw err;
  } finally {
    await container.close();
  }
}
