import { ResumableError } from './resumable-error.ts'

/** Categories of local failure at the destination. */
export type TargetErrorKind =
  | 'no-space'
  | 'permission'
  | 'is-directory'
  | 'not-found'
  | 'locked'
  | 'exists'
  | 'io'

/** A failure writing, syncing or publishing the destination. The checkpoint stays consistent. */
export class TargetError extends ResumableError {
  override name = 'TargetError'
  declare readonly kind: TargetErrorKind
  /** The path or name involved. */
  readonly path: string | undefined

  constructor(
    kind: TargetErrorKind,
    message: string,
    options?: { path?: string; cause?: unknown },
  ) {
    super(kind, message, { cause: options?.cause })
    this.path = options?.path
  }
}
