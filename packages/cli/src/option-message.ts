import type { OptionsError } from '@resumable/core'
import { formatBytes } from './units.ts'

/** Library option names as the flags a CLI user typed, with each flag's numbers in its own units. */
const FLAGS: Readonly<
  Record<string, { readonly flag: string; readonly unit?: (n: number) => string }>
> = {
  partSize: { flag: '--part-size', unit: formatBytes },
  concurrency: { flag: '--concurrency' },
  retries: { flag: '--retries' },
  maxBytesPerSecond: { flag: '--limit-rate', unit: (n) => `${formatBytes(n)}/s` },
  stallTimeoutMs: { flag: '--stall-timeout', unit: (ms) => `${ms / 1000} s` },
  outageWaitMs: { flag: '--outage-wait', unit: (ms) => `${ms / 1000} s` },
}

/**
 * Phrases an option error from its fields (never from its message), in the flag's own units:
 * a CLI user reads the flag they typed, not core's option name and raw bytes.
 */
export function optionMessage(error: OptionsError): string {
  const known = FLAGS[error.option]
  if (!known) return error.message
  const show = known.unit ?? String
  const { min, max, received } = error
  if (typeof received !== 'number' || !Number.isSafeInteger(received)) {
    return `${known.flag} must be an integer, got ${String(received)}`
  }
  if (min === undefined || max === undefined) return error.message
  return `${known.flag} must be between ${show(min)} and ${show(max)}, got ${show(received)}`
}
