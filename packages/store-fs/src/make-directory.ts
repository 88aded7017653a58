import { mkdir } from 'node:fs/promises'
import { toTargetError } from './fs-errors.ts'

/**
 * Creates `path` and its missing parents (as `mkdir -p`); resolves with the first directory it
 * created, or undefined when `path` already was one. A failure is a TargetError with a kind
 * (`permission`, `no-space`, `not-found` when a parent is a file, …) that names the directory.
 *
 * @example
 * await makeDirectory('./data/2026') // TargetError 'permission' under a read-only parent
 */
export async function makeDirectory(path: string): Promise<string | undefined> {
  try {
    return await mkdir(path, { recursive: true })
  } catch (error) {
    throw toTargetError(error, 'create the directory', path)
  }
}
