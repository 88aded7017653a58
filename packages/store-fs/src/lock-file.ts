import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs'
import { readFile, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import process from 'node:process'
import { TargetError } from '@resumable/core'
import { errorCode, toTargetError } from './fs-errors.ts'

/** What a lock file records about the process that holds it. */
export interface LockOwner {
  /** Process id on `host`. */
  readonly pid: number
  /** Host name of the machine the process runs on. */
  readonly host: string
  /** When it took the lock (ISO 8601). */
  readonly startedAt: string
  /** The batch it runs, for a batch's lock (`FileBatchStaging`): shards run beside their own batch's only. */
  readonly batch?: string
}

/**
 * An exclusive lock file (`O_CREAT | O_EXCL`) so two processes never interleave writes into the
 * same temporary file. A lock whose owner process is gone from this host is stale and taken over.
 */
export class LockFile {
  readonly path: string
  readonly #batch: string | undefined
  #held = false

  /** `batch`: recorded in the lock as its owner's `batch`. */
  constructor(path: string, batch?: string) {
    this.path = path
    this.#batch = batch
  }

  /** True while this process holds the lock. */
  get held(): boolean {
    return this.#held
  }

  /** Takes the lock, taking over a stale one; throws TargetError 'locked' when another live process holds it. */
  async acquire(): Promise<void> {
    if (this.#held) return
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        // Synchronous on purpose: creating and writing a tiny file without fsync is a few short
        // system calls, cheaper than three round trips through libuv's threadpool, which were a
        // large share of a batch of small objects' time (BENCHMARKS.md, "Many objects").
        const fd = openSync(this.path, 'wx', 0o600)
        try {
          const owner: LockOwner = {
            pid: process.pid,
            host: thisHost(),
            startedAt: new Date().toISOString(),
            ...(this.#batch === undefined ? {} : { batch: this.#batch }),
          }
          writeSync(fd, JSON.stringify(owner))
        } finally {
          closeSync(fd)
        }
        this.#held = true
        return
      } catch (error) {
        if (errorCode(error) !== 'EEXIST')
          throw toTargetError(error, 'create the lock file', this.path)
      }
      const owner = await this.owner()
      if (owner && isAlive(owner)) {
        throw new TargetError(
          'locked',
          `Another download (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}) is writing this destination; lock file ${this.path}`,
          { path: this.path },
        )
      }
      await unlink(this.path).catch(() => undefined)
    }
    throw new TargetError('locked', `Could not take the lock ${this.path}`, { path: this.path })
  }

  /** Who holds the lock, or undefined when there is none (an unreadable lock counts as stale). */
  async owner(): Promise<LockOwner | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as Partial<LockOwner>
      if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined
      const owner = { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt) }
      return typeof parsed.batch === 'string' ? { ...owner, batch: parsed.batch } : owner
    } catch {
      return undefined
    }
  }

  /** The owner if it is a live process other than this one (a lock from another host counts as live). */
  async liveOwner(): Promise<LockOwner | undefined> {
    if (this.#held) return undefined
    const owner = await this.owner()
    return owner && isAlive(owner) ? owner : undefined
  }

  /** Releases the lock if held (or removes a stale one). */
  async release(): Promise<void> {
    if (!this.#held) {
      // A lock left by a process killed after its commit would otherwise stay forever.
      const owner = await this.owner()
      if (owner && !isAlive(owner)) await unlink(this.path).catch(() => undefined)
      return
    }
    this.#held = false
    try {
      unlinkSync(this.path)
    } catch {
      // Gone already; nothing to release.
    }
  }
}

let host: string | undefined

/** This machine's host name, asked of the OS once. */
function thisHost(): string {
  host ??= hostname()
  return host
}

function isAlive(owner: LockOwner): boolean {
  // A lock from another host cannot be checked: trust it rather than risk two writers.
  if (owner.host !== thisHost()) return true
  if (owner.pid === process.pid) return false
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (error) {
    return errorCode(error) === 'EPERM'
  }
}
