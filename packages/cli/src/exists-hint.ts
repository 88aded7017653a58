import type { ExistsRemedy } from '@resumable/core'

/** The flag that sets each library option deciding about an existing file, in the order they are named. */
const REMEDY_FLAGS: readonly (readonly [option: ExistsRemedy, flag: string])[] = [
  ['skipExisting', '--skip-existing'],
  ['update', '--update'],
  ['overwrite', '--force'],
]

/**
 * The flags that would have skipped or replaced an existing file, from the error's `remedies`
 * (never from its message), so a flag already given is never suggested. An option with no flag
 * (one a newer core might add) is left out rather than turned into a wrong one.
 */
export function remedyFlags(remedies: readonly ExistsRemedy[] | undefined): string[] {
  if (remedies === undefined) return []
  return REMEDY_FLAGS.filter(([option]) => remedies.includes(option)).map(([, flag]) => flag)
}

/**
 * An `exists` message without the note in library option names it may end with (`(see
 * skipExisting, update, overwrite)`, `(use overwrite)`), where the CLI names flags instead. Only
 * the wording depends on the note; if it changes, it shows, and the flags are still right.
 */
export function withoutOptionNote(message: string): string {
  return message.replace(/ \((?:see|use) [^)]*\)$/, '')
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length < 2
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`
}

/**
 * What a batch run does with a file already in place whose object its journal does not record
 * (the journal, or the object's record, was damaged): said by `status` and by the run itself.
 */
export const EXISTS_WITHOUT_JOURNAL =
  "a file already in place fails as exists unless the run is given --skip-existing (kept when its size and CRC are the store's), --update or --force"
