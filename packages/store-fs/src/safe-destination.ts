import { mkdir, realpath } from 'node:fs/promises'
import { basename, join, sep } from 'node:path'
import process from 'node:process'
import { type KeyRefusal, KeyRefusedError, TargetError } from '@resumable/core'
import { BATCH_JOURNAL_NAME } from './file-batch-journal-store.ts'
import { tempPathOf } from './file-checkpoint-store.ts'
import { CHECKPOINT_SUFFIX, TEMP_SUFFIX } from './file-suffixes.ts'
import { errorCode, toTargetError } from './fs-errors.ts'
import { LOCK_SUFFIX } from './lock-file.ts'
import { lstatOrUndefined as probe } from './probe.ts'
import { windowsNameProblem } from './windows-names.ts'

// The batch journal, lock, staging directory and directory record all start with this.
const BATCH_FILES_PREFIX = '.resumable-batch.'

/**
 * True for a name this package writes beside a destination (temporary file, lock, checkpoint) or
 * in the destination directory (the batch journal and its temporary copy, the batch lock and staging
 * directory): a key with such a name could truncate another object's temporary file or the journal.
 */
export function isReservedName(name: string): boolean {
  return (
    name.endsWith(TEMP_SUFFIX) ||
    name.endsWith(LOCK_SUFFIX) ||
    name.endsWith(CHECKPOINT_SUFFIX) ||
    name.endsWith(`${CHECKPOINT_SUFFIX}.tmp`) ||
    name.startsWith(BATCH_FILES_PREFIX) ||
    name.startsWith(`.${BATCH_JOURNAL_NAME}`)
  )
}

const MAX_NAME_BYTES = 255
const utf8 = new TextEncoder()
function utf8Length(text: string): number {
  return utf8.encode(text).length
}

// The longest file written beside a destination: the checkpoint's temporary copy,
// `.<name>.resumable.json.tmp` (tempPathOf), 20 bytes more than the name.
const SIDECAR_SUFFIX_BYTES = Math.max(
  TEMP_SUFFIX.length,
  LOCK_SUFFIX.length,
  utf8Length(basename(tempPathOf(CHECKPOINT_SUFFIX))),
)

/**
 * Longest destination file name, in UTF-8 bytes, that leaves room for the files kept beside it
 * (temporary file, lock, checkpoint and the checkpoint's temporary copy) within 255 bytes.
 */
export const MAX_DESTINATION_NAME_BYTES: number = MAX_NAME_BYTES - SIDECAR_SUFFIX_BYTES

/**
 * True when `name` fits a filesystem name (255 bytes) but its temporary file, lock or checkpoint
 * (`name` + `.resumable-part`, …) would not: such a key is refused up front with a clear reason
 * instead of failing later with ENAMETOOLONG on a file the user never named.
 */
export function isTooLongForSidecars(name: string): boolean {
  return utf8Length(name) + SIDECAR_SUFFIX_BYTES > MAX_NAME_BYTES
}

/** Why a key's path segments cannot be files here, as `resolveInside` refuses them. */
export interface LocalNameRefusal {
  readonly reason: Extract<KeyRefusal, 'reserved-name' | 'segment-too-long' | 'reserved-on-windows'>
  readonly message: string
}

/**
 * The first reason this package refuses `segments` before touching the filesystem (a name it
 * writes itself, a name too long for its temporary file, on Windows a name Windows cannot hold),
 * or undefined. `resolveInside` throws it; a dry run reports it without creating anything.
 *
 * @example
 * localNameRefusal(['logs', 'x.resumable-part'])?.reason // 'reserved-name'
 */
export function localNameRefusal(
  segments: readonly string[],
  options: Pick<ResolveInsideOptions, 'windowsNames'> = {},
): LocalNameRefusal | undefined {
  if (options.windowsNames ?? process.platform === 'win32') {
    for (const segment of segments) {
      const problem = windowsNameProblem(segment)
      if (problem !== undefined)
        return { reason: 'reserved-on-windows', message: `${JSON.stringify(segment)}: ${problem}` }
    }
  }
  // A directory too: `.resumable-batch.staging/0.part` would land in the batch's staging directory.
  const reserved = segments.find(isReservedName)
  if (reserved !== undefined)
    return {
      reason: 'reserved-name',
      message: `${JSON.stringify(reserved)} is a name resumable writes itself`,
    }
  if (isTooLongForSidecars(segments[segments.length - 1] ?? ''))
    return {
      reason: 'segment-too-long',
      message: `the name is longer than ${MAX_DESTINATION_NAME_BYTES} bytes, so the files kept beside it (its checkpoint's temporary copy: +${SIDECAR_SUFFIX_BYTES} bytes) would not fit a 255-byte file name`,
    }
  return undefined
}

/** Options for `resolveInside`. */
export interface ResolveInsideOptions {
  /** The key, for error messages. @default the segments joined by `/` */
  readonly key?: string
  /** Create missing directories. @default true */
  readonly create?: boolean
  /** `root` is already a real path (from `realpath`): it is not resolved again. @default false */
  readonly rootIsReal?: boolean
  /**
   * Refuse names Windows cannot hold (`windowsNameProblem`: device names such as `aux.txt`,
   * `< > : " | ? *`, a trailing period or space). @default true on Windows, false elsewhere
   */
  readonly windowsNames?: boolean
  /**
   * Told each directory this call created (not one another call or process made first), as a
   * real path under the root: a batch removes those still empty when it ends (FileBatchStaging).
   */
  readonly onCreated?: (directory: string) => void
  /**
   * Told each directory just before this call tries to create it (a real path under the root),
   * so a record of it can outlive a kill between the two (FileBatchStaging). It may then exist
   * already (another call made it first) or not at all (the `mkdir` failed).
   */
  readonly onCreating?: (directory: string) => void
  /**
   * Directories proved already (each a real directory inside the root), by the path this call
   * builds for them, to their real path; this call adds the ones it proves. A batch passes one for
   * all its objects, so an object under `logs/2026/12/` does not check `logs`, `2026` and `12`
   * again (an `lstat` and a `realpath` each) once another object has. A key cannot plant a
   * symlink (a batch makes directories and files only), and a local process that swaps one in
   * during the run could as well between any check and the write that follows it.
   */
  readonly provenDirectories?: Map<string, string>
}

/**
 * Resolves an object's safe path segments (from core's `safeRelativePath`) to a file path under
 * `root`, creating missing directories, and proves containment on the real filesystem: every
 * directory on the way is checked after resolving symlinks, so a symlink inside the destination
 * that points outside is never followed — the key is refused instead (`escapes-destination`).
 * A symlink already at the final name is refused the same way when it points outside, and so is
 * a name this package writes itself (`isReservedName`: temporary files, locks, checkpoints, the
 * batch journal), which would otherwise let one key truncate another's temporary file. On
 * Windows, names it cannot hold (`windowsNameProblem`) are refused too (`reserved-on-windows`).
 *
 * @example
 * const path = await resolveInside('/data', safeRelativePath(key, 'datasets/'), { key })
 */
export async function resolveInside(
  root: string,
  segments: readonly string[],
  options: ResolveInsideOptions = {},
): Promise<string> {
  return (await resolveAndProbe(root, segments, options)).path
}

/**
 * `resolveInside`, and what its last check found at the final name (`lstat`: undefined when
 * nothing was there), so a caller about to look there can take that answer instead of asking again.
 */
export async function resolveAndProbe(
  root: string,
  segments: readonly string[],
  options: ResolveInsideOptions = {},
): Promise<{ readonly path: string; readonly found: ReturnType<typeof probe> }> {
  const key = options.key ?? segments.join('/')
  const create = options.create ?? true
  let realRoot: string
  try {
    // A batch resolves its root once, not once per object.
    realRoot = options.rootIsReal ? root : await realpath(root)
  } catch (error) {
    throw toTargetError(error, 'open the destination directory', root)
  }
  const base = realRoot.endsWith(sep) ? realRoot : realRoot + sep
  const inside = (path: string): boolean => path === realRoot || path.startsWith(base)
  const refuseEscape = (what: string): never => {
    throw new KeyRefusedError(
      'escapes-destination',
      key,
      `${what} leads outside ${realRoot} (a symlink); not followed`,
    )
  }
  if (segments.length === 0) throw new KeyRefusedError('empty', key, 'no path segments')
  for (const segment of segments) {
    // Segments from safeRelativePath are plain names; re-check so a caller's mistake cannot escape.
    if (
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      segment.includes('/') ||
      segment.includes('\\')
    )
      throw new KeyRefusedError(
        'dot-segment',
        key,
        `segment ${JSON.stringify(segment)} is not a plain name`,
      )
  }
  const refusal = localNameRefusal(segments, options)
  if (refusal !== undefined) throw new KeyRefusedError(refusal.reason, key, refusal.message)
  let dir = realRoot
  const proven = options.provenDirectories
  for (const segment of segments.slice(0, -1)) {
    const next = join(dir, segment)
    const known = proven?.get(next)
    if (known !== undefined) {
      dir = known
      continue
    }
    let info = lstatOrUndefined(next)
    if (!info && create) {
      options.onCreating?.(next)
      const made = await mkdir(next).then(
        () => true,
        (error: unknown) => {
          if (errorCode(error) !== 'EEXIST')
            throw toTargetError(error, 'create the directory', next)
          return false
        },
      )
      if (made) options.onCreated?.(next)
      info = lstatOrUndefined(next)
    }
    if (!info)
      throw new TargetError('not-found', `The directory ${next} does not exist`, { path: next })
    if (info.isSymbolicLink()) {
      const real = await realpath(next).catch(() => refuseEscape(next))
      if (!inside(real)) refuseEscape(next)
    } else if (!info.isDirectory()) {
      throw new TargetError('not-a-directory', `${next} is a file, not a directory`, { path: next })
    }
    // Resolve now so every later step is checked against the real location.
    dir = await realpath(next)
    if (!inside(dir)) refuseEscape(next)
    proven?.set(next, dir)
  }
  const file = join(dir, segments[segments.length - 1] as string)
  const last = lstatOrUndefined(file)
  if (last?.isSymbolicLink()) {
    const real = await realpath(file).catch(() => refuseEscape(file))
    if (!inside(real)) refuseEscape(file)
  }
  return { path: file, found: last }
}

function lstatOrUndefined(path: string): ReturnType<typeof probe> {
  try {
    return probe(path)
  } catch (error) {
    throw toTargetError(error, 'inspect', path)
  }
}
