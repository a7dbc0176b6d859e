/**
 * An error caused by the operator's input (a CLI flag, a file, a missing edition). The CLI prints its
 * message as one line and exits with `exitCode` (2 = bad usage), never a stack trace.
 */
export class UserError extends Error {
  readonly code = 'EUSER';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
