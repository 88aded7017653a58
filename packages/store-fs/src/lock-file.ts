import {
  closeSync,
  futimesSync,
  openSync,
  readFileSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import process from 'node:process'
import { clearInterval, setInterval } from 'node:timers'
import { TargetError } from '@resumable/core'
import { errorCode, toTargetError } from './fs-errors.ts'
import {
  clampHeartbeat,
  LOCK_HEARTBEAT_MS,
  type LockSighting,
  MISSED_HEARTBEATS,
  pidScope,
  processStart,
  runsHere,
  sightLock,
  TAKEOVER_SETTLE_MS,
  UNREADABLE_GRACE_MS,
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
   * The boot and pid namespace its pid belongs to (Linux): a lock of the same host name from
   * another scope (another pod of the same name, a restarted container) is judged by heartbeat.
   */
  readonly pidScope?: string
  /**
   * How often its holder refreshes the lock's modification time (100 ms to 60 s). A lock that
   * cannot be judged by its pid (another host or scope) and records it counts as abandoned once
   * unrefreshed for `MISSED_HEARTBEATS` of them; one that does not (an older version's) is trusted.
   */
  readonly heartbeatMs?: number
}

/**
 * Told when a lock that cannot be judged by its pid (another host, a shared volume) is watched
 * before it may be taken over: for up to `ms`, less as soon as it is seen refreshed.
 */
export type LockWatchListener = (owner: LockOwner, ms: number) => void

/** Options for a `LockFile`. */
export interface LockFileOptions {
  /** Recorded in the lock as its owner's `batch`. */
  readonly batch?: string
  /** How often the lock is refreshed while held. @default LOCK_HEARTBEAT_MS (5 s) */
  readonly heartbeatMs?: number
  /** Told when another host's lock is watched, e.g. to say why taking the lock waits. */
  readonly onWatch?: LockWatchListener
  /**
   * Told once when a heartbeat finds the held lock taken over or removed (this process stopped
   * for longer than a lease, as another host sees it): the moment to stop writing.
   */
  readonly onLost?: () => void
}

/** A lock another object holds, as one who writes under it sees it: where it is, and whether it is still held. */
export interface HeldLock {
  /** The lock file. */
  readonly path: string
  /** True while the holder still holds it (see `LockFile.confirm`). */
  confirm(): boolean
}

/**
 * What a write refused under a lock another process took over says (this one stopped for longer
 * than its lease): the lock, and `consequence`, what was not done.
 */
export function lockTakenError(lock: string, consequence: string): TargetError {
  return new TargetError(
    'locked',
    `Another process took over the lock ${lock} while this one was stopped; ${consequence}`,
    { path: lock },
  )
}

/** Suffix of the lock file beside a destination (`FileTarget`'s). */
export const LOCK_SUFFIX = '.resumable.lock'

/**
 * The locks this process took, by path, until it releases them (held, or lost to another process
 * meanwhile): a checkpoint save looks its destination's up, so that a save begun before a takeover
 * never lands after it (see `lockAt`).
 */
const takenHere = new Map<string, LockFile>()

/**
 * This process's lock at `path` (absolute), from its acquisition until its release, held or taken
 * over meanwhile; undefined when this process has none there.
 */
export function lockAt(path: string): LockFile | undefined {
  return takenHere.get(resolve(path))
}

/**
 * An exclusive lock file (`O_CREAT | O_EXCL`) so two processes never interleave writes into the
 * same temporary file. A lock whose owner process is gone is stale and taken over: on this host
 * (and pid scope), when no process of its pid and start runs; from another host (a shared
 * volume), when its holder has not refreshed it for `MISSED_HEARTBEATS` heartbeats, as this
 * process's clock measures while it watches. A holder whose lock was taken over meanwhile (it
 * stalled for longer than that) notices at its next heartbeat or `verify`, and stops refreshing it.
 */
export class LockFile {
  readonly path: string
  readonly #options: LockFileOptions
  /** The text this process wrote, while it holds the lock. */
  #mine: string | undefined
  #heartbeat: ReturnType<typeof setInterval> | undefined
  #lost = false
  /**
   * When this process last wrote or refreshed the lock, for `confirm`: by the monotonic clock and
   * by the wall clock (a frozen VM's monotonic clock may not count the time it was frozen).
   */
  #refreshedAt = { monotonic: 0, wall: 0 }

  constructor(path: string, options: LockFileOptions = {}) {
    this.path = path
    this.#options = options
  }

  /** True while this process holds the lock. */
  get held(): boolean {
    return this.#mine !== undefined
  }

  /**
   * Takes the lock, taking over a stale one; throws TargetError 'locked' when another live process
   * holds it, and 'exists' (no remedies) when a file that is no lock of this toolkit's, nor one cut
   * short, is in its place: a user's file is never taken over.
   */
  async acquire(): Promise<void> {
    if (this.held) return
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.#create()) {
        if (attempt === 0) return
        await new Promise((resolve) => setTimeout(resolve, TAKEOVER_SETTLE_MS))
        if (this.verify()) return
        continue
      }
      const seen = sightLock(this.path)
      if (seen === undefined) continue
      const owner = parseOwner(seen.text)
      if (owner) {
        const verdict = await this.#judge(owner, seen, this.#options.onWatch)
        if (verdict === 'live') {
          const who = isThisProcess(owner) ? 'Another download in this process' : 'Another download'
          throw new TargetError(
            'locked',
            `${who} (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}) is writing this destination; lock file ${this.path}`,
            { path: this.path },
          )
        }
        if (verdict === 'replaced') continue
      } else if (!mayBeTornLock(seen.text)) throw lookalikeLock(this.path)
      else if ((await watchLease(this.path, seen, UNREADABLE_GRACE_MS)) !== 'abandoned') continue
      removeIfStill(this.path, seen)
    }
    throw new TargetError('locked', `Could not take the lock ${this.path}`, { path: this.path })
  }

  /**
   * True while this process still holds the lock (its file still holds this process's text).
   * False once it was taken over or removed meanwhile: the lock is then given up, not released.
   */
  verify(): boolean {
    const mine = this.#mine
    if (mine === undefined) return false
    let text: string | undefined
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      // Unreadable for another reason (a network filesystem's hiccup): not proof of a takeover.
      if (errorCode(error) !== 'ENOENT') return true
    }
    if (text === mine) return true
    this.#giveUp()
    return false
  }

  /** True when this process held the lock and another took it over or removed it. */
  get lost(): boolean {
    return this.#lost
  }

  /**
   * True while this process holds the lock, as cheaply as that can be known: without a read while
   * its last refresh is under two heartbeats old (no other process can have watched it unrefreshed
   * for a lease since), else read as `verify` does. So a process that was stopped (SIGSTOP, a frozen
   * VM) reads the lock at its first call after continuing, before its next heartbeat has run.
   */
  confirm(): boolean {
    if (this.#mine === undefined) return false
    const fresh = 2 * this.#heartbeatMs()
    const monotonic = performance.now() - this.#refreshedAt.monotonic
    const wall = Date.now() - this.#refreshedAt.wall
    if (this.#heartbeat !== undefined && monotonic < fresh && wall >= 0 && wall < fresh) return true
    return this.verify()
  }

  /**
   * True when another process took this process's lock over or removed it, as the lock file says
   * now (not at the last heartbeat); false while it is held, and after a release of its own.
   */
  takenOver(): boolean {
    return this.#mine === undefined ? this.#lost : !this.verify()
  }

  #giveUp(): void {
    this.#mine = undefined
    this.#lost = true
    clearInterval(this.#heartbeat)
  }

  /** Creates the lock file with this process as its owner; false when one exists. */
  #create(): boolean {
    try {
      // Synchronous on purpose: creating and writing a tiny file without fsync is a few short
      // system calls, cheaper than three round trips through libuv's threadpool, which were a
      // large share of a batch of small objects' time (BENCHMARKS.md, "Many objects").
      const fd = openSync(this.path, 'wx', 0o600)
      try {
        const heartbeatMs = canRefresh(fd) ? this.#heartbeatMs() : undefined
        const text = JSON.stringify(this.#owner(heartbeatMs))
        writeSync(fd, text)
        this.#mine = text
        this.#lost = false
        this.#refreshedAt = { monotonic: performance.now(), wall: Date.now() }
        takenHere.set(resolve(this.path), this)
        if (heartbeatMs !== undefined) this.#startHeartbeat(heartbeatMs)
      } finally {
        closeSync(fd)
      }
      return true
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false
      throw toTargetError(error, 'create the lock file', this.path)
    }
  }

  #owner(heartbeatMs: number | undefined): LockOwner {
    const { batch } = this.#options
    const pidStart = ownStart()
    const scope = pidScope()
    return {
      pid: process.pid,
      host: thisHost(),
      startedAt: new Date().toISOString(),
      ...(batch === undefined ? {} : { batch }),
      ...(pidStart === undefined ? {} : { pidStart }),
      ...(scope === undefined ? {} : { pidScope: scope }),
      ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    }
  }

  #heartbeatMs(): number {
    return clampHeartbeat(this.#options.heartbeatMs) ?? LOCK_HEARTBEAT_MS
  }

  #startHeartbeat(heartbeatMs: number): void {
    // Synchronous: on libuv's pool a refresh would queue behind the downloads' fsyncs, which a
    // slow network filesystem can hold for longer than a lease.
    this.#heartbeat = setInterval(() => {
      if (!this.verify()) {
        this.#options.onLost?.()
        return
      }
      try {
        const now = new Date()
        utimesSync(this.path, now, now)
        this.#refreshedAt = { monotonic: performance.now(), wall: Date.now() }
      } catch {
        // A refresh missed: the next one may pass; six in a row make the lock look abandoned.
      }
    }, heartbeatMs)
    // A download's end, not its lock, decides when the process exits.
    this.#heartbeat.unref()
  }

  /**
   * Whether the lock's holder is alive: by its process when its pid can be checked from here,
   * else by watching the lock for a lease (a lock without a heartbeat is trusted: it cannot be
   * checked).
   */
  async #judge(
    owner: LockOwner,
    seen: LockSighting,
    onWatch: LockWatchListener | undefined,
  ): Promise<'live' | 'stale' | 'replaced'> {
    if (judgedByPid(owner)) return holderRuns(owner, this.path) ? 'live' : 'stale'
    if (owner.heartbeatMs === undefined) return 'live'
    const before = abandoned.get(this.path)
    if (before?.text === seen.text && before.mtimeMs === seen.mtimeMs) return 'stale'
    const holder = processKey(owner)
    if (holder !== undefined && seenDead(holder, seen, owner.heartbeatMs)) return 'stale'
    const leaseMs = owner.heartbeatMs * MISSED_HEARTBEATS
    onWatch?.(owner, leaseMs)
    const verdict = await watchLease(this.path, seen, leaseMs)
    if (verdict === 'abandoned') {
      abandoned.set(this.path, seen)
      if (holder !== undefined) deadProcesses.set(holder, seen.mtimeMs)
    }
    return verdict === 'refreshed' ? 'live' : verdict === 'abandoned' ? 'stale' : 'replaced'
  }

  /** Who holds the lock, or undefined when there is none (an unreadable lock counts as stale). */
  async owner(): Promise<LockOwner | undefined> {
    const seen = sightLock(this.path)
    return seen && parseOwner(seen.text)
  }

  /**
   * The owner if it is a live process other than this one. At a glance, a lock that cannot be
   * judged by its pid counts as live; with `watch`, it is watched for its lease first (telling
   * `onWatch`, or the listener given to the constructor), as `acquire` does.
   */
  async liveOwner(
    options: { readonly watch?: boolean; readonly onWatch?: LockWatchListener } = {},
  ): Promise<LockOwner | undefined> {
    if (this.held) return undefined
    const seen = sightLock(this.path)
    const owner = seen && parseOwner(seen.text)
    // Not this process, whichever of its downloads holds the lock (`acquire` still refuses it).
    if (!seen || !owner || isThisProcess(owner)) return undefined
    if (!judgedByPid(owner) && !options.watch) return owner
    const verdict = await this.#judge(owner, seen, options.onWatch ?? this.#options.onWatch)
    return verdict === 'live' ? owner : undefined
  }

  /** Releases the lock if held (or removes a stale one that can be judged by its pid). */
  async release(): Promise<void> {
    if (takenHere.get(resolve(this.path)) === this) takenHere.delete(resolve(this.path))
    if (this.#mine === undefined) {
      // A lock left by a process killed after its commit would otherwise stay forever.
      const seen = sightLock(this.path)
      const owner = seen && parseOwner(seen.text)
      if (seen && owner && judgedByPid(owner) && !holderRuns(owner, this.path))
        removeIfStill(this.path, seen)
      return
    }
    // Only this process's own lock: one taken over meanwhile is its new holder's.
    const own = this.verify()
    this.#giveUp()
    this.#lost = !own
    if (!own) return
    try {
      unlinkSync(this.path)
    } catch {
      // Gone already; nothing to release.
    }
  }
}

/**
 * Whether the holder a lock judged by its pid names still runs. This process, by its pid and
 * start, runs, but holds the lock only while one of its own LockFiles does (two downloads to
 * one destination in one process are as exclusive as in two); a lock of this process's that none
 * holds was left behind (a download dropped without its release) and is stale.
 */
function holderRuns(owner: LockOwner, path: string): boolean {
  if (isThisProcess(owner)) return takenHere.get(resolve(path))?.held === true
  return runsHere(owner.pid, owner.pidStart)
}

/** True when a lock judged by its pid names this very process (its pid, and its start when known). */
function isThisProcess(owner: LockOwner): boolean {
  return (
    judgedByPid(owner) && owner.pid === process.pid && (owner.pidStart ?? ownStart()) === ownStart()
  )
}

/** True when a lock's pid can be checked from here: this host, and the same pid scope. */
function judgedByPid(owner: LockOwner): boolean {
  if (owner.host !== thisHost()) return false
  return owner.pidScope === undefined || owner.pidScope === pidScope()
}

/** True when the filesystem takes a refreshed modification time (some FUSE mounts refuse it). */
function canRefresh(fd: number): boolean {
  try {
    const now = new Date()
    futimesSync(fd, now, now)
    return true
  } catch {
    return false
  }
}

/** How every lock this toolkit writes begins: `JSON.stringify` of a `LockOwner`, pid first. */
const LOCK_HEAD = '{"pid":'

/**
 * True when `text`, which does not parse as a lock, may still be one of ours cut short: empty (a
 * holder that has created the file and not yet written it, or was killed in between), a
 * beginning of a lock's JSON, or its length of NUL bytes (a power loss before the text reached
 * the disk). Anything else (a user's `notes.resumable.lock`) was never a lock of
 * this toolkit's, and is not taken over: that would delete it.
 */
export function mayBeTornLock(text: string): boolean {
  // A lock is written without an fsync: after a power loss some filesystems keep its length and
  // zeros for its bytes. No user's file of that name is all NUL bytes.
  return text.startsWith(LOCK_HEAD) || LOCK_HEAD.startsWith(text) || /^\0+$/.test(text)
}

/**
 * What `acquire` throws for a file at the lock's place that is not a lock of this toolkit's: a
 * user's, in the way like a file at the destination, and left as it is.
 */
export function lookalikeLock(path: string): TargetError {
  return new TargetError(
    'exists',
    `${path} is where this download keeps its lock, but it is not a resumable lock (a file of yours?); it was left untouched and nothing was downloaded: move it away, or choose another destination`,
    { path, remedies: [] },
  )
}

/** The owner a lock's text records, or undefined when it records none readable. */
export function parseOwner(text: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<Record<keyof LockOwner, unknown>>
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined
    const heartbeatMs = clampHeartbeat(parsed.heartbeatMs)
    return {
      pid: parsed.pid,
      host: parsed.host,
      startedAt: String(parsed.startedAt),
      ...(typeof parsed.batch === 'string' ? { batch: parsed.batch } : {}),
      ...(typeof parsed.pidStart === 'string' ? { pidStart: parsed.pidStart } : {}),
      ...(typeof parsed.pidScope === 'string' ? { pidScope: parsed.pidScope } : {}),
      ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    }
  } catch {
    return undefined
  }
}

/**
 * Removes a stale lock unless it changed since it was judged: a process that took it over
 * meanwhile keeps it (and of two taking over one stale lock at once, the one whose lock the other
 * removed sees so when it looks again, `TAKEOVER_SETTLE_MS` later).
 */
function removeIfStill(path: string, seen: LockSighting): void {
  const now = sightLock(path)
  if (now === undefined || now.text !== seen.text || now.mtimeMs !== seen.mtimeMs) return
  abandoned.delete(path)
  try {
    unlinkSync(path)
  } catch {
    // Gone already.
  }
}

/**
 * Locks this process watched for a whole lease unchanged, by path: unchanged when seen again
 * (`cancel` looks, then takes them), they are stale without a second lease.
 */
const abandoned = new Map<string, LockSighting>()

/**
 * Processes (of other hosts or scopes) one of whose locks this process watched to the end of its
 * lease, with that lock's last refresh (its modification time, by the holder's clock): every lock
 * they hold is as dead (a batch's lock and its big objects' locks), so the others are taken over
 * without a lease each. Only for locks that name their process's start: without it, a pid may
 * name a later process.
 */
const deadProcesses = new Map<string, number>()

/**
 * Slack on comparing two locks' refreshes by one holder's clock: a coarse modification time
 * (FAT's 2 s) and a refresh that ran late.
 */
const REFRESH_SLACK_MS = 2_000

/**
 * True when `holder` was found dead and its lock seen as `seen` was last refreshed no later than
 * its dead lock's last refresh and one heartbeat (the holder refreshes each lock once a
 * heartbeat, so a lock refreshed later was refreshed after the stall ended). A holder that was
 * only stopped (SIGSTOP, a frozen VM) and then continued refreshes its other locks at once, and
 * `LockFile.confirm` trusts a lock refreshed within two heartbeats without reading it: taking
 * such a lock without a lease would leave two writers. Both times are the holder's, so no two
 * hosts' clocks are compared; a later one makes the lock watched for its own lease, and the
 * holder no longer counted dead.
 */
function seenDead(holder: string, seen: LockSighting, heartbeatMs: number): boolean {
  const lastRefresh = deadProcesses.get(holder)
  if (lastRefresh === undefined) return false
  if (seen.mtimeMs <= lastRefresh + heartbeatMs + REFRESH_SLACK_MS) return true
  deadProcesses.delete(holder)
  return false
}

/** One process, named across hosts: its host, pid scope, pid and start; undefined without a start. */
function processKey(owner: LockOwner): string | undefined {
  if (owner.pidStart === undefined) return undefined
  return JSON.stringify([owner.host, owner.pidScope ?? '', owner.pid, owner.pidStart])
}

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
