import { ResumableError } from './resumable-error.ts'

/** Why an object key cannot be a local path (see `safeRelativePath`). */
export type KeyRefusal =
  | 'outside-prefix'
  | 'empty'
  | 'absolute'
  | 'backslash'
  | 'control-character'
  | 'empty-segment'
  | 'dot-segment'
  | 'segment-too-long'
  | 'file-prefix-conflict'
  | 'case-collision'
  | 'duplicate'
  | 'escapes-destination'
  | 'reserved-name'
  | 'reserved-on-windows'

/** An object key that would not map to a safe path under the destination; nothing was written for it. */
export class KeyRefusedError extends ResumableError {
  override name = 'KeyRefusedError'
  declare readonly kind: 'unsafe-key'
  /** What exactly is wrong with the key. */
  readonly reason: KeyRefusal
  /** The key, as listed. */
  readonly key: string

  constructor(reason: KeyRefusal, key: string, message: string) {
    super('unsafe-key', `Refused key ${JSON.stringify(key)}: ${message}`)
    this.reason = reason
    this.key = key
  }
}
