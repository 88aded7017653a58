import { TargetError, type TargetErrorKind } from '@resumable/core'

const KINDS: Record<string, TargetErrorKind> = {
  ENOSPC: 'no-space',
  EDQUOT: 'no-space',
  EACCES: 'permission',
  EPERM: 'permission',
  EROFS: 'permission',
  EISDIR: 'is-directory',
  ENOENT: 'not-found',
  ENOTDIR: 'not-a-directory',
}

/** The errno code of a Node-style fs error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Maps an fs failure to a TargetError with a message a user can act on. */
export function toTargetError(error: unknown, action: string, path: string): TargetError {
  if (error instanceof TargetError) return error
  const code = errorCode(error)
  const kind = (code && KINDS[code]) || 'io'
  const hint =
    kind === 'no-space'
      ? ': the disk is full (or over quota); free space and run again to resume'
      : kind === 'permission'
        ? ': permission denied'
        : kind === 'not-a-directory'
          ? ': a part of the path is a file, not a directory'
          : code
            ? ` (${code})`
            : ''
  const cause = error instanceof Error ? error.message : String(error)
  return new TargetError(kind, `Could not ${action} ${path}${hint}${hint ? '' : `: ${cause}`}`, {
    path,
    cause: error,
  })
}
