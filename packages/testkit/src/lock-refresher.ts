import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { statSync } from 'node:fs'
import process from 'node:process'

/** A real process refreshing a lock file, as its holder on another machine of a shared volume does. */
export interface LockRefresher {
  /** The refreshing process's pid. */
  readonly pid: number
  /** Kills it with SIGKILL (a holder that dies without a word) and waits until it has exited. */
  kill(): Promise<void>
}

/**
 * Starts a process that sets `path`'s modification time to now every `everyMs`, and resolves once
 * a refresh has been seen (so a test's observer never races a child still starting up on a
 * loaded machine). The file must exist.
 *
 * @example
 * const holder = await startLockRefresher('/shared/data/.resumable-batch.lock', 50)
 * try { … a second process is refused … } finally { await holder.kill() }
 */
export async function startLockRefresher(path: string, everyMs: number): Promise<LockRefresher> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs'); const p = ${JSON.stringify(path)}; setInterval(() => { const t = new Date(); try { fs.utimesSync(p, t, t) } catch {} }, ${everyMs})`,
    ],
    { stdio: 'ignore' },
  )
  const exited = once(child, 'exit')
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  const before = statSync(path).mtimeMs
  const deadline = Date.now() + 30_000
  while (statSync(path).mtimeMs === before) {
    if (Date.now() > deadline) {
      await kill()
      throw new Error(`the lock refresher never refreshed ${path}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return { pid: child.pid as number, kill }
}
