import { ResumableError } from './resumable-error.ts'

/** Categories of local failure at the destination. */
export type TargetErrorKind =
  | 'no-space'
  | 'permission'
  /** A directory is where the file must go. */
  | 'is-directory'
  /** A file is where a directory of the path must go: no option replaces it (see `remedies`). */
  | 'not-a-directory'
  | 'not-found'
  | 'locked'
  /** A file is already at the destination and was not replaced: `remedies` says what would. */
  | 'exists'
  | 'io'

/**
 * An option that decides about a file already at the destination instead of failing with
 * `exists`: `skipExisting` (a batch skips a file with the object's size and CRC), `update` (a
 * batch replaces an older or differently sized file, skips the rest), `overwrite` (replaces it).
 */
export type ExistsRemedy = 'skipExisting' | 'update' | 'overwrite'

const REMEDY_ORDER: readonly ExistsRemedy[] = ['skipExisting', 'update', 'overwrite']

/** What a `no-space` refusal before the first write compared, in bytes. */
export interface TargetSpace {
  /** What is left of the object to write. */
  readonly needed: number
  /** What the file system has free for this user. */
  readonly free: number
}

/** A failure writing, syncing or publishing the destination. The checkpoint stays consistent. */
export class TargetError extends ResumableError {
  override name = 'TargetError'
  declare readonly kind: TargetErrorKind
  /** The path or name involved. */
  readonly path: string | undefined
  /**
   * For kind `exists`: the options, none of them given, that would have skipped or replaced the
   * file rather than fail, each once, in the order `skipExisting`, `update`, `overwrite`; empty
   * when none would. Set on every `exists` this toolkit throws; undefined for other kinds. Read
   * this, not the message: the message names them for people, in wording that may change.
   */
  readonly remedies: readonly ExistsRemedy[] | undefined
  /**
   * For kind `no-space` when the object was refused before a byte was written, because what is
   * left of it is more than the file system has free: both sizes in bytes. Undefined when the
   * disk filled up during the writes.
   */
  readonly space: TargetSpace | undefined

  constructor(
    kind: TargetErrorKind,
    message: string,
    options?: {
      path?: string
      cause?: unknown
      remedies?: readonly ExistsRemedy[]
      space?: TargetSpace
    },
  ) {
    super(kind, message, { cause: options?.cause })
    this.path = options?.path
    this.space = options?.space
    const remedies = options?.remedies
    this.remedies =
      remedies === undefined
        ? undefined
        : Object.freeze(REMEDY_ORDER.filter((remedy) => remedies.includes(remedy)))
  }
}
