import { OptionsError } from '@resumable/core'

/**
 * Refuses a missing options object with the OptionsError core's `download` gives, where reading a
 * field of it would throw each runtime's own TypeError (untyped and JSON-configured callers).
 */
export function requireOptionsObject(options: unknown): void {
  if (typeof options !== 'object' || options === null)
    throw new OptionsError('options', 'expected an object')
}
