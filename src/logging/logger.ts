/**
 * Structured logs: one JSON line per event (pino) on stderr; pretty when LOG_PRETTY=true. Every line
 * carries a stable `event` name (see docs/operations.md). Personal data stays out: address fields are
 * redacted by path, and addresses inside error messages and SMTP replies (a 550 often quotes the
 * recipient) are masked by the `err` serializer, so only subscriber ids identify people.
 */
import { type Logger, pino, stdSerializers } from 'pino';

export type { Logger };

/** Fields that would hold an address or a name, wherever they appear one level down. */
export const REDACTED_PATHS = [
  'email',
  '*.email',
  'name',
  'to',
  '*.to',
  'from',
  'address',
  '*.address',
  'err.envelope',
  'err.accepted',
  'err.rejected',
  'err.rejectedErrors',
];

const ADDRESS = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+\.[^\s<>"'(),;:]+/g;

/** Replaces anything shaped like an email address. */
export const maskAddresses = (text: string) => text.replace(ADDRESS, '[address]');

export function createLogger(
  options: { level: string; pretty: boolean },
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      ...(options.pretty ? { transport: { target: 'pino-pretty', options: { destination: 2 } } } : {}),
    },
    options.pretty ? undefined : destination,
  );
}

function serializeError(err: unknown) {
  const out = stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  for (const key of ['message', 'stack', 'response'])
    if (typeof out[key] === 'string') out[key] = maskAddresses(out[key] as string);
  return out;
}
