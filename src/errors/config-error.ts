/** A bad or missing setting. Its message is one line naming the variable and what is expected. */
export class ConfigError extends Error {
  readonly code = 'ECONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
