import { ResumableError } from './resumable-error.ts'

/**
 * The downloaded bytes do not match what the store says the object holds, or the digest the
 * caller gave (the `digest` option); nothing was committed.
 */
export class IntegrityError extends ResumableError {
  override name = 'IntegrityError'
  declare readonly kind: 'integrity'
  /** What was compared (`crc64xz`, `crc64nvme`, `crc32`, `crc32c`, `md5`, `size`; `sha1`, `sha256`, `sha512` for a digest). */
  readonly check: string
  /** The store's value, or the caller's digest. */
  readonly expected: string
  /** The value computed from the received bytes. */
  readonly actual: string

  /** `hint`: what else the reader should know, after the figures. */
  constructor(check: string, expected: string, actual: string, hint?: string) {
    super(
      'integrity',
      `Downloaded data failed ${check} verification: expected ${expected}, got ${actual}${hint ? ` (${hint})` : ''}; the destination was not written`,
    )
    this.check = check
    this.expected = expected
    this.actual = actual
  }
}
