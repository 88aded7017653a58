/** Base class of every error this toolkit throws; `kind` says what went wrong without parsing messages. */
export class ResumableError extends Error {
  override name = 'ResumableError'
  /** Machine-readable category. */
  readonly kind: string

  constructor(kind: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.kind = kind
  }
}

/** True for any ResumableError, also across realms and duplicate package copies (ESM + CJS). */
export function isResumableError(error: unknown): error is ResumableError {
  return (
    error instanceof ResumableError ||
    (typeof error === 'object' &&
      error !== null &&
      typeof (error as { kind?: unknown }).kind === 'string' &&
      typeof (error as { name?: unknown }).name === 'string' &&
      (error as { name: string }).name.endsWith('Error'))
  )
}
