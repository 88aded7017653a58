import { UsageError } from './usage-error.ts'

/**
 * A whole number within `range` (inclusive), or undefined when the flag was not given. One
 * UsageError for every way of missing it (a fraction, a word, too small, too large), with the
 * range in the flag's own unit: core checks the same limits, but in its units (milliseconds),
 * which would read wrong after a CLI flag.
 */
export function integerFlag(
  flag: string,
  text: string | undefined,
  range: { readonly min: number; readonly max: number },
  unit = '',
): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < range.min || value > range.max) {
    throw new UsageError(
      `${flag} must be a whole number from ${range.min} to ${range.max}${unit}, got "${text}"`,
    )
  }
  return value
}
