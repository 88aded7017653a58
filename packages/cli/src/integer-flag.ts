import { UsageError } from './usage-error.ts'

/** A whole-number flag in `range`, or undefined when not given; anything else is a UsageError. */
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
