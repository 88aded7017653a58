import { execFileSync } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import type { TestContext } from 'node:test'

/**
 * Runs `body` on a tmpfs of `size` (`256k`, `1m`) mounted at `mount` (created first), then
 * unmounts it. Mounting needs root: elsewhere the test is skipped, saying what went untested.
 */
export async function onTmpfs(
  t: TestContext,
  mount: string,
  size: string,
  untested: string,
  body: () => Promise<void>,
): Promise<void> {
  await mkdir(mount)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount], {
      stdio: 'ignore',
    })
  } catch {
    t.skip(`cannot mount a tmpfs here (needs root); ${untested}`)
    return
  }
  try {
    await body()
  } finally {
    execFileSync('umount', [mount])
  }
}
