/**
 * The relay stayed unreachable longer than RELAY_OUTAGE_LIMIT (smtp-connection-pool.ts gives up on the
 * outage). Its message is the reason the waiting edition pauses with; `classifySmtpError` sorts its code
 * as `config` (pause, mark nobody).
 */
export class RelayUnreachableError extends Error {
  readonly code = 'ERELAYDOWN';
  /** Nothing was sent: the failure is about opening connections. */
  readonly stage = 'connect';
  constructor(message: string) {
    super(message);
    this.name = 'RelayUnreachableError';
  }
}
