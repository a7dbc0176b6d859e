/**
 * An error caused by the operator's input (a CLI flag, a file, a missing edition). The CLI prints its
 * message as one line and exits with `exitCode` (2 = bad usage), never a stack trace. A message whose
 * remedy names a command or a flag ("add --force") carries the dashboard's own remedy beside it
 * (`dashboard`), so each door tells the operator what to do with that door.
 */
export class UserError extends Error {
  readonly code = 'EUSER';
  /** The same refusal in the dashboard's words; the message when absent. */
  readonly dashboard: string;
  constructor(
    message: string,
    readonly exitCode = 2,
    options: { dashboard?: string } = {},
  ) {
    super(message);
    this.name = 'UserError';
    this.dashboard = options.dashboard ?? message;
  }
}
