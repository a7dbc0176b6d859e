/**
 * What every subcommand needs: the validated config, a logger and (built on demand) the container.
 * `withContainer` builds it, runs the action and always closes it again.
 */
import { type Container, type ContainerOptions, createContainer } from '../app/container.ts';
import { type Config, loadConfig } from '../config.ts';
import { createLogger, type Logger } from '../logging/logger.ts';

let cachedConfig: Config | undefined;

export function getConfig(): Config {
  cachedConfig ??= loadConfig();
  return cachedConfig;
}

export function getLogger(config: Config = getConfig()): Logger {
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
  const logger = createLogger({ level, pretty: config.logPretty });
  const container = await createContainer(config, logger, options);
  try {
    return await action(container);
  } finally {
    await container.close();
  }
}
