import { TargetError, type TargetErrorKind } from '@resumable/core'

/** DOMException names of the File System and Storage APIs, by the TargetError kind they mean. */
const KINDS: Readonly<Record<string, TargetErrorKind>> = {
  QuotaExceededError: 'no-space',
  NoModificationAllowedError: 'locked',
  NotFoundError: 'not-found',
  NotAllowedError: 'permission',
  SecurityError: 'permission',
  TypeMismatchError: 'is-directory',
}

/** The DOMException (or Error) name of `error`, if it has one. */
export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error
    ? String((error as { name: unknown }).name)
    : undefined
}

/**
 * Maps a failed OPFS call to a TargetError whose kind says what happened (quota → `no-space`).
 * `freeHint` ends the over-quota message: it tells the user how to free what the download holds.
 */
export function toTargetError(
  error: unknown,
  action: string,
  path: string,
  freeHint = 'free space or ask for more',
): TargetError {
  if (error instanceof TargetError) return error
  const name = errorName(error) ?? 'Error'
  const kind = KINDS[name] ?? 'io'
  const detail = error instanceof Error ? error.message : String(error)
  const hint = kind === 'no-space' ? ` (the origin is over its storage quota; ${freeHint})` : ''
  return new TargetError(kind, `Could not ${action} ${path}: ${name}: ${detail}${hint}`, {
    path,
    cause: error,
  })
}
