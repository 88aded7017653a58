/** Helpers shared by the release rehearsals: the workspaces of a tree, and a throwaway copy of this checkout. */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, symlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT: string = resolve(fileURLToPath(new URL('..', import.meta.url)))

/** A package.json, as far as the scripts read it. */
export interface Manifest {
  name: string
  version: string
  private?: boolean
  [field: string]: unknown
}

/** A workspace: its folder relative to the root (`packages/core`) and its package.json. */
export interface Workspace {
  readonly folder: string
  readonly manifest: Manifest
}

/** The workspaces the root package.json lists (`dir/*` and plain folders), sorted by folder. */
export async function workspaces(root: string): Promise<Workspace[]> {
  const patterns = (
    JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      workspaces: string[]
    }
  ).workspaces
  const folders: string[] = []
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2)
      for (const entry of await readdir(join(root, parent), { withFileTypes: true })) {
        if (entry.isDirectory()) folders.push(`${parent}/${entry.name}`)
      }
    } else folders.push(pattern)
  }
  const found: Workspace[] = []
  for (const folder of folders.sort()) {
    const file = join(root, folder, 'package.json')
    if (existsSync(file)) {
      found.push({ folder, manifest: JSON.parse(await readFile(file, 'utf8')) as Manifest })
    }
  }
  return found
}

/**
 * Copies what git sees in this checkout (tracked and untracked files, not ignored ones, so
 * uncommitted work is rehearsed too) to `to`, and symlinks the root node_modules. Returns the
 * number of files copied.
 */
export async function copyWorkingTree(to: string): Promise<number> {
  const listing = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    },
  ).toString()
  let copied = 0
  for (const file of listing.split('\0')) {
    if (!file || !existsSync(join(ROOT, file))) continue // deleted but still in the index
    await mkdir(dirname(join(to, file)), { recursive: true })
    await copyFile(join(ROOT, file), join(to, file))
    copied++
  }
  await symlink(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir')
  return copied
}
