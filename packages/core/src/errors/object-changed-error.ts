import { ResumableError } from './resumable-error.ts'

/** The remote object changed (ETag, size, version) while it was being downloaded. */
export class ObjectChangedError extends ResumableError {
  override name = 'ObjectChangedError'
  declare readonly kind: 'object-changed'

  constructor(message: string, options?: { cause?: unknown }) {
    super('object-changed', message, options)
  }
}
