import { rmdir, stat } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { type ObjectInfo, ResumableError } from '@resumable/core'
import { makeDirectory } from '@resumable/store-fs'
import type { Source } from './sources.ts'

/** A destination that cannot be used as given (a `dir/` that is a file); nothing was touched. */
export class DestinationError extends ResumableError {
  override name = 'DestinationError'
  declare readonly kind: 'not-a-directory'
}

/** Where `get` writes. */
export interface ChosenDestination {
  /** The file the object is published as. */
  readonly path: string
  /** True when the name was taken from the source because the destination is a directory. */
  readonly named: boolean
  /** True when the directory does not exist yet: `createDirectory` makes it once the run may start. */
  readonly createDirectory: boolean
  /** True when the name is the one the server's `Content-Disposition` suggested (`--content-disposition`). */
  readonly suggested?: boolean
}

/**
 * Resolves `<dest>` as `curl -O`, wget and `aws s3 cp` do: an existing directory, or a path ending
 * in `/`, means "inside this directory, under the object's own name". A `dir/` that does not exist
 * is to be created (like `aws s3 cp`); a `name/` that is a file is refused, never overwritten.
 * Touches nothing: it only looks.
 */
export async function chooseDestination(
  destination: string,
  source: Source,
): Promise<ChosenDestination> {
  const meansDirectory = destination.endsWith('/') || destination.endsWith(sep)
  const kind = await pathKind(destination)
  if (kind === 'directory')
    return { path: join(destination, objectFileName(source)), named: true, createDirectory: false }
  if (!meansDirectory) return { path: destination, named: false, createDirectory: false }
  if (kind === 'other') {
    const file = await firstFile(destination.slice(0, -1))
    throw new DestinationError(
      'not-a-directory',
      `${destination} names a directory (trailing /), but ${file} is a file; nothing was changed`,
    )
  }
  return { path: join(destination, objectFileName(source)), named: true, createDirectory: true }
}

/**
 * `chosen` under the name the object's `Content-Disposition` suggests (`--content-disposition`,
 * as `curl -OJ`), made safe like a name from the URL; as it was (the URL's name) when the server
 * suggests none or nothing usable (`..`), or when the destination is a file the user named.
 */
export function namedByServer(chosen: ChosenDestination, info: ObjectInfo): ChosenDestination {
  const cleaned = info.fileName === undefined ? undefined : cleanFileName(info.fileName)
  // A server does not get to create a dotfile (`.bashrc`, `.npmrc`) in the directory: its
  // leading dots become `_`, as browsers do.
  const name = cleaned?.replace(/^\.+/, (dots) => '_'.repeat(dots.length))
  if (!chosen.named || name === undefined) return chosen
  return { ...chosen, path: join(dirname(chosen.path), name), suggested: true }
}

/**
 * Creates the directory of `file` (with its parents); resolves with an undo that removes the
 * directories it created, deepest first, as long as they are still empty.
 */
export async function createDirectory(file: string): Promise<() => Promise<void>> {
  const directory = dirname(file)
  const first = await makeDirectory(directory)
  if (first === undefined) return async () => {}
  return async () => {
    for (let d = resolve(directory); d.length >= resolve(first).length; d = dirname(d)) {
      // rmdir refuses a directory that holds anything: a kept partial download stays put.
      if (
        !(await rmdir(d).then(
          () => true,
          () => false,
        ))
      )
        return
    }
  }
}

/**
 * The file name an object is saved under inside a directory: the last segment of the URL path
 * (percent-decoded) or of the key, made safe — no path separators, no `.`/`..`, no control
 * characters or bidirectional-text controls, at most 200 bytes. An empty result falls back to the URL's host or `index`.
 */
export function objectFileName(source: Source): string {
  if (source.scheme === 'http') {
    const url = new URL(source.url)
    return safeFileName(decode(lastSegment(url.pathname)), url.hostname || 'index')
  }
  return safeFileName(lastSegment(source.key), 'index')
}

/** The object's path in its store: the key, or the URL's path (percent-decoded, no leading `/`). */
export function objectPath(source: Source): string {
  if (source.scheme !== 'http') return source.key
  return decode(new URL(source.url).pathname).replace(/^\/+/, '')
}

/** `raw` made safe as one file name; `fallback` (made safe too) or `index` when nothing usable is left. */
export function safeFileName(raw: string, fallback: string): string {
  return cleanFileName(raw) ?? cleanFileName(fallback) ?? 'index'
}

/** `raw` made safe as one file name, or undefined when nothing usable is left (empty, `.`, `..`). */
function cleanFileName(raw: string): string | undefined {
  const cleaned = truncateBytes(raw.replace(UNSAFE, '_').trim(), 200)
  return cleaned !== '' && cleaned !== '.' && cleaned !== '..' ? cleaned : undefined
}

// Bidirectional-text controls too: U+202E would show `\u202egnp.exe` as "exe.png".
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/g

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Keeps the extension: `very-long…name.tar.gz` loses characters from its stem. */
function truncateBytes(name: string, max: number): string {
  const encoder = new TextEncoder()
  if (encoder.encode(name).length <= max) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
  let stem = name.slice(0, name.length - ext.length)
  while (stem.length > 0 && encoder.encode(stem + ext).length > max)
    stem = [...stem].slice(0, -1).join('')
  return stem + ext
}

/**
 * The shortest leading part of `path` that is there and is not a directory: the file that stands
 * where a directory must be (`f.bin` of `f.bin/x/`), not the path that is missing under it.
 */
async function firstFile(path: string): Promise<string> {
  const parents: string[] = []
  for (let p = path; dirname(p) !== p; p = dirname(p)) parents.unshift(p)
  for (const p of parents) if ((await pathKind(p)) === 'other') return p
  return path
}

async function pathKind(path: string): Promise<'directory' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other'
  } catch (error) {
    const code = (error as { code?: unknown }).code
    // ENOTDIR: a parent is a file (`f.bin/`): that is "something else is there", not "missing".
    return code === 'ENOTDIR' ? 'other' : 'missing'
  }
}
