import { stat } from 'node:fs/promises'

/**
 * What is at `path` (symlinks followed): a directory, something else (`file`), or undefined when
 * nothing is there or it cannot be looked at.
 */
export async function pathKind(path: string): Promise<'file' | 'directory' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file'
  } catch {
    return undefined
  }
}
