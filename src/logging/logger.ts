/** Structured logs: one JSON line per event (pino); pretty when LOG_PRETTY=true. */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(options: { level: string; pretty: boolean }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      ...(options.pretty ? { transport: { target: 'pino-pretty', options: { destination: 2 } } } : {}),
    },
    options.pretty ? undefined : pino.destination(2),
  );
}
