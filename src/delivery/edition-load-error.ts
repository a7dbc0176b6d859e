/**
 * A send batch could not load its edition (the record, or a compiled variant, could not be read or
 * prepared). Thrown so that the send job fails and BullMQ retries it with backoff: the recipients stay
 * `pending`, and a job never completes having sent nobody.
 */
export class EditionLoadError extends Error {
  /** `ENOEDITION`: there is no edition record; `ELOAD`: reading or preparing it failed (see `cause`). */
  readonly code: 'ENOEDITION' | 'ELOAD';
  readonly editionId: string;

  constructor(editionId: string, code: 'ENOEDITION' | 'ELOAD', options?: { cause?: unknown }) {
    const why = code === 'ENOEDITION' ? 'it does not exist' : describeCause(options?.cause);
    super(`edition ${editionId} could not be loaded: ${why}`, options);
    this.name = 'EditionLoadError';
    this.code = code;
    this.editionId = editionId;
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
