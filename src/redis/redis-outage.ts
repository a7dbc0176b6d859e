/**
 * What a long-running process says while its Redis is gone: one log line per retry round, one when
 * it is back, never ioredis' "Unhandled error event" stack traces or a worker's stack for every
 * connection that noticed. Every connection of the process shares one RedisOutage (container.ts
 * passes its options to each; BullMQ copies them into the connections it duplicates), so five
 * connections retrying their third time make one line, not five.
 */
import type { RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from './redis-client.ts';

/** Back-off between reconnect attempts: 200 ms more per attempt, at most 2 s (ioredis' default shape). */
export const retryDelayMs = (attempt: number) => Math.min(attempt * 200, 2000);

export interface RedisOutageOptions {
  /**
   * Stop reconnecting once Redis has been gone this long: pending commands then fail, and a one-shot
   * command ends with `describe()`. Unset (long-running processes): keep trying for ever.
   */
  giveUpAfterMs?: number;
}

export class RedisOutage {
  private down = false;
  private downSince = 0;
  private lastLoggedAttempt = 0;
  private lastCode: string | undefined;

  constructor(
    private readonly logger: Logger,
    /** `host:port/db`, never the password. */
    private readonly address: string,
    private readonly options: RedisOutageOptions = {},
  ) {}

  /** True from the first lost connection until one is ready again. */
  isDown(): boolean {
    return this.down;
  }

  /** One line for a person: which Redis, what the socket said, how long we waited. */
  describe(): string {
    const waited = this.options.giveUpAfterMs
      ? ` and it did not come back within ${this.options.giveUpAfterMs / 1000} s`
      : '';
    return `lost the connection to Redis at ${this.address} (${this.lastCode ?? 'connection closed'})${waited}`;
  }

  /** Options for every connection of the process. */
  connectionOptions(): Required<Pick<RedisOptions, 'retryStrategy'>> {
    return { retryStrategy: this.retryStrategy };
  }

  /** Listens to one connection: its errors become the retry line, its `ready` the recovery line. */
  watch<C extends RedisClient>(connection: C): C {
    connection.on('error', this.onError);
    connection.on('ready', this.onReady);
    return connection;
  }

  /**
   * Errors a worker or queue reports because Redis is gone (a socket error, or any error while the
   * outage lasts) are the outage's to report; anything else is the caller's to log.
   */
  explains(err: unknown): boolean {
    if (isSocketError(err)) this.noteSocketError(err);
    return this.down;
  }

  private readonly retryStrategy = (attempt: number): number | null => {
    const delay = retryDelayMs(attempt);
    this.markDown();
    const { giveUpAfterMs } = this.options;
    // null: ioredis stops reconnecting and fails what waits for the connection.
    if (giveUpAfterMs !== undefined && Date.now() - this.downSince + delay > giveUpAfterMs) return null;
    if (attempt > this.lastLoggedAttempt) {
      this.lastLoggedAttempt = attempt;
      this.logger.warn(
        { event: 'redis.retry', attempt, delayMs: delay, code: this.lastCode },
        `Redis at ${this.address} unreachable (${this.lastCode ?? 'connection closed'}): retry ${attempt} in ${delay} ms`,
      );
    }
    return delay;
  };

  private readonly onError = (err: Error & { code?: string }) => {
    if (isSocketError(err)) return this.noteSocketError(err);
    // Not a lost connection (a refused handshake, a protocol error): one line, without the stack.
    this.logger.error(
      { event: 'redis.error', code: err.code ?? err.name, reason: err.message },
      `Redis at ${this.address}: ${err.message}`,
    );
  };

  private readonly onReady = () => {
    if (!this.down) return;
    this.down = false;
    this.logger.warn(
      { event: 'redis.reconnected', attempts: this.lastLoggedAttempt },
      `Redis at ${this.address} is back`,
    );
    this.lastLoggedAttempt = 0;
  };

  private noteSocketError(err: { code?: string }) {
    this.markDown();
    this.lastCode = err.code;
  }

  private markDown() {
    if (!this.down) this.downSince = Date.now();
    this.down = true;
  }
}

/** Node's socket errors carry the failed system call (`connect`, `read`, `write`). */
function isSocketError(err: unknown): err is Error & { code?: string; syscall: string } {
  return typeof (err as { syscall?: unknown } | undefined)?.syscall === 'string';
}
