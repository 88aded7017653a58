import { ResumableError } from './resumable-error.ts'

/** The download was paused (AbortSignal) or cancelled; a pause keeps the checkpoint for the next run. */
export class AbortedError extends ResumableError {
  override name = 'AbortedError'
  declare readonly kind: 'paused' | 'cancelled'

  constructor(kind: 'paused' | 'cancelled', message: string, options?: { cause?: unknown }) {
    super(kind, message, options)
  }
}
