import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { utimes } from 'node:fs/promises'
import { hostname } from 'node:os'
import process from 'node:process'
import { clearInterval, setInterval } from 'node:timers'
import { TargetError } from '@resumable/core'
import { errorCode, toTargetError } from './fs-errors.ts'
import {
  LOCK_HEARTBEAT_MS,
  type LockSighting,
  MISSED_HEARTBEATS,
  processStart,
  runsHere,
  sightLock,
  watchLease,
} from './lock-liveness.ts'

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
  /** When its process started, as its kernel counts (Linux), so a reused pid is not taken for it. */
  readonly pidStart?: string
  /**
   * How often its holder refreshes the lock's modification time. A lock from another host that
   * records it counts as abandoned once unrefreshed for `MISSED_HEARTBEATS` of them; one that
   * does not (an older version's) is trusted.
   */
  readonly heartbeatMs?: number
}

/** Options for a `LockFile`. */
export interface LockFileOptions {
  /** Recorded in the lock as its owner's `batch`. */
  readonly batch?: string
  /** How often the lock is refreshed while held. @default LOCK_HEARTBEAT_MS (5 s) */
  readonly heartbeatMs?: number
  /**
   * Told when a lock from another host is found that this process must watch before it may take
   * it over (for up to `ms`; less as soon as the lock is refreshed), e.g. to say why it waits.
   */
  readonly onWatch?: (owner: LockOwner, ms: number) => void
}

/**
 * An exclusive lock file (`O_CREAT | O_EXCL`) so two processes never interleave writes into the
 * same temporary file. A lock whose owner process is gone is stale and taken over: on this host,
 * when no process of its pid (and start) runs; from another host (a shared volume), when its
 * holder has not refreshed it for `MISSED_HEARTBEATS` heartbeats, as this process's clock
 * measures while it watches.
 */
export class LockFile {
  readonly path: string
  readonly #options: LockFileOptions
  /** The text this process wrote, while it holds the lock. */
  #mine: string | undefined
  #heartbeat: ReturnType<typeof setInterval> | undefined

  constructor(path: string, options: LockFileOptions = {}) {
    this.path = path
    this.#options = options
  }

  /** True while this process holds the lock. */
  get held(): boolean {
    return this.#mine !== undefined
  }

  /** Takes the lock, taking over a stale one; throws TargetError 'locked' when another live process holds it. */
  async acquire(): Promise<void> {
    if (this.held) return
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.#create()) return
      const seen = sightLock(this.path)
      if (seen === undefined) continue
      const owner = parseOwner(seen.text)
      if (owner) {
        const verdict = await this.#judge(owner, seen)
        if (verdict === 'live') {
          throw new TargetError(
            'locked',
            `Another download (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}) is writing this destination; lock file ${this.path}`,
            { path: this.path },
          )
        }
        if (verdict === 'replaced') continue
      }
      removeIfStill(this.path, seen)
    }
    throw new TargetError('locked', `Could not take the lock ${this.path}`, { path: this.path })
  }

  /** Creates the lock file with this process as its owner; false when one exists. */
  #create(): boolean {
    try {
      // Synchronous on purpose: creating and writing a tiny file without fsync is a few short
      // system calls, cheaper than three round trips through libuv's threadpool, which were a
      // large share of a batch of small objects' time (BENCHMARKS.md, "Many objects").
      const fd = openSync(this.path, 'wx', 0o600)
      const { batch } = this.#options
      const pidStart = ownStart()
      const owner: LockOwner = {
        pid: process.pid,
        host: thisHost(),
        startedAt: new Date().toISOString(),
        ...(batch === undefined ? {} : { batch }),
        ...(pidStart === undefined ? {} : { pidStart }),
        heartbeatMs: this.#heartbeatMs(),
      }
      const text = JSON.stringify(owner)
      try {
        writeSync(fd, text)
      } finally {
        closeSync(fd)
      }
      this.#mine = text
      this.#startHeartbeat()
      return true
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false
      throw toTargetError(error, 'create the lock file', this.path)
    }
  }

  #heartbeatMs(): number {
    return this.#options.heartbeatMs ?? LOCK_HEARTBEAT_MS
  }

  #startHeartbeat(): void {
    const path = this.path
    this.#heartbeat = setInterval(() => {
      const now = new Date()
      // Gone or unwritable: a later acquire or release sorts it out; nothing to do here.
      utimes(path, now, now).catch(() => undefined)
    }, this.#heartbeatMs())
    // A download's end, not its lock, decides when the process exits.
    this.#heartbeat.unref()
  }

  /**
   * Whether the lock's holder is alive: on this host by its process; from another host by
   * watching the lock for a lease (a lock without a heartbeat is trusted: it cannot be checked).
   */
  async #judge(owner: LockOwner, seen: LockSighting): Promise<'live' | 'stale' | 'replaced'> {
    if (owner.host === thisHost()) return runsHere(owner.pid, owner.pidStart) ? 'live' : 'stale'
    if (owner.heartbeatMs === undefined) return 'live'
    const before = abandoned.get(this.path)
    if (before?.text === seen.text && before.mtimeMs === seen.mtimeMs) return 'stale'
    const leaseMs = owner.heartbeatMs * MISSED_HEARTBEATS
    this.#options.onWatch?.(owner, leaseMs)
    const verdict = await watchLease(this.path, seen, leaseMs)
    if (verdict === 'abandoned') abandoned.set(this.path, seen)
    return verdict === 'refreshed' ? 'live' : verdict === 'abandoned' ? 'stale' : 'replaced'
  }

  /** Who holds the lock, or undefined when there is none (an unreadable lock counts as stale). */
  async owner(): Promise<LockOwner | undefined> {
    const seen = sightLock(this.path)
    return seen && parseOwner(seen.text)
  }

  /**
   * The owner if it is a live process other than this one, at a glance: a lock from another host
   * counts as live here, unless `watch` (then it is watched for its lease, as `acquire` does).
   */
  async liveOwner(options: { readonly watch?: boolean } = {}): Promise<LockOwner | undefined> {
    if (this.held) return undefined
    const seen = sightLock(this.path)
    const owner = seen && parseOwner(seen.text)
    if (!seen || !owner) return undefined
    if (owner.host !== thisHost() && !options.watch) return owner
    return (await this.#judge(owner, seen)) === 'live' ? owner : undefined
  }

  /** Releases the lock if held (or removes a stale one of this host). */
  async release(): Promise<void> {
    const mine = this.#mine
    if (mine === undefined) {
      // A lock left by a process killed after its commit would otherwise stay forever.
      const seen = sightLock(this.path)
      const owner = seen && parseOwner(seen.text)
      if (seen && owner?.host === thisHost() && !runsHere(owner.pid, owner.pidStart))
        removeIfStill(this.path, seen)
      return
    }
    this.#mine = undefined
    clearInterval(this.#heartbeat)
    // Only this process's own lock: one taken over meanwhile (this process stopped for longer
    // than a lease, seen from another host) is its new holder's.
    try {
      if (readFileSync(this.path, 'utf8') === mine) unlinkSync(this.path)
    } catch {
      // Gone already; nothing to release.
    }
  }
}

/** The owner a lock's text records, or undefined when it records none readable. */
function parseOwner(text: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<Record<keyof LockOwner, unknown>>
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined
    return {
      pid: parsed.pid,
      host: parsed.host,
      startedAt: String(parsed.startedAt),
      ...(typeof parsed.batch === 'string' ? { batch: parsed.batch } : {}),
      ...(typeof parsed.pidStart === 'string' ? { pidStart: parsed.pidStart } : {}),
      ...(typeof parsed.heartbeatMs === 'number' && parsed.heartbeatMs > 0
        ? { heartbeatMs: parsed.heartbeatMs }
        : {}),
    }
  } catch {
    return undefined
  }
}

/**
 * Removes a stale lock unless it changed since it was judged: a process that took it over
 * meanwhile keeps it (of two taking over one stale lock at once, the second sees the first's).
 */
function removeIfStill(path: string, seen: LockSighting): void {
  const now = sightLock(path)
  if (now === undefined || now.text !== seen.text || now.mtimeMs !== seen.mtimeMs) return
  try {
    unlinkSync(path)
  } catch {
    // Gone already.
  }
}

/**
 * Locks of other hosts this process watched for a whole lease unchanged, by path: unchanged when
 * seen again (`cancel` looks, then takes them), they are stale without a second lease.
 */
const abandoned = new Map<string, LockSighting>()

let start: { readonly value: string | undefined } | undefined

/** This process's start (`processStart`), read once. */
function ownStart(): string | undefined {
  start ??= { value: processStart(process.pid) }
  return start.value
}

let host: string | undefined

/** This machine's host name, asked of the OS once. */
function thisHost(): string {
  host ??= hostname()
  return host
}
