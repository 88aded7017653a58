import { ResumableError } from './resumable-error.ts'

/** An option is missing, malformed or out of range; thrown before anything is touched. */
export class OptionsError extends ResumableError {
  override name = 'OptionsError'
  declare readonly kind: 'invalid-options'
  /** The offending option's name. */
  readonly option: string

  constructor(option: string, message: string) {
    super('invalid-options', `Invalid option "${option}": ${message}`)
    this.option = option
  }
}
