import { ResumableError } from './resumable-error.ts'

/** The numbers behind an out-of-range option, so a caller can phrase the error in its own units. */
export interface OptionsErrorDetails {
  /** Smallest accepted value, when the option has a range. */
  readonly min?: number
  /** Largest accepted value, when the option has a range. */
  readonly max?: number
  /** The value that was given. */
  readonly received?: unknown
  /** What the numbers count (`bytes`, `bytes/s`, `ms`, `count`). */
  readonly unit?: string
}

/** An option is missing, malformed or out of range; thrown before anything is touched. */
export class OptionsError extends ResumableError {
  override name = 'OptionsError'
  declare readonly kind: 'invalid-options'
  /** The offending option's name. */
  readonly option: string
  /** Smallest accepted value, when the option has a range. */
  readonly min: number | undefined
  /** Largest accepted value, when the option has a range. */
  readonly max: number | undefined
  /** The value that was given (`undefined` when unknown or when it was missing). */
  readonly received: unknown
  /** What `min`, `max` and `received` count. */
  readonly unit: string | undefined

  constructor(option: string, message: string, details: OptionsErrorDetails = {}) {
    super('invalid-options', `Invalid option "${option}": ${message}`)
    this.option = option
    this.min = details.min
    this.max = details.max
    this.received = details.received
    this.unit = details.unit
  }
}
