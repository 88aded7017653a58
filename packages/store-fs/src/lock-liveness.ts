import { closeSync, fstatSync, openSync, readFileSync, readlinkSync } from 'node:fs'
import process from 'node:process'
import { errorCode } from './fs-errors.ts'

/**
 * How often a lock's holder refreshes the lock file's modification time, so that a process on
 * another host (the lock on a shared volume) can tell a live holder from a dead one.
 */
export const LOCK_HEARTBEAT_MS = 5_000

/**
 * Refreshes a lock from another host may miss before it counts as abandoned: at the default
 * heartbeat, an observer watches it 30 s by its own clock (never comparing two hosts' clocks).
 */
export const MISSED_HEARTBEATS = 6

/** The heartbeats a lock may record, in ms: a smaller one hides under mtime resolution, a larger one stalls its observers. */
export const HEARTBEAT_RANGE = { min: 100, max: 60_000 } as const

/** A recorded heartbeat brought into `HEARTBEAT_RANGE`, or undefined when it is not a number. */
export function clampHeartbeat(ms: unknown): number | undefined {
  if (typeof ms !== 'number' || Number.isNaN(ms)) return undefined
  return Math.min(HEARTBEAT_RANGE.max, Math.max(HEARTBEAT_RANGE.min, ms))
}

/**
 * How long a lock that cannot be read (empty: just created by a process that has not written it
 * yet, which on NFS another host sees until it is closed; or cut short by a crash) is given to
 * change before it counts as stale.
 */
export const UNREADABLE_GRACE_MS = 1_000

/**
 * How long a process that took over a stale lock waits before it looks again: another process
 * judging the same lock at the same moment may have removed this one and made its own.
 */
export const TAKEOVER_SETTLE_MS = 100

/** What an observer saw of a lock file at one moment: its text and its modification time. */
export interface LockSighting {
  readonly text: string
  readonly mtimeMs: number
}

/**
 * The lock file's text and modification time, or undefined when there is none. Opened, not
 * `stat`ed by path: on NFS, an open revalidates the attributes a client caches (close-to-open
 * consistency), where a `stat` may answer from a cache up to a minute old.
 */
export function sightLock(path: string): LockSighting | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return undefined
  }
  try {
    return { mtimeMs: fstatSync(fd).mtimeMs, text: readFileSync(fd, 'utf8') }
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/** What watching another host's lock for a lease found. */
export type LeaseVerdict =
  /** Its modification time moved: its holder is alive. */
  | 'refreshed'
  /** Removed, unreadable, or its text changed (another holder's now): look again. */
  | 'replaced'
  /** Unchanged for the whole lease: its holder is gone. */
  | 'abandoned'

/**
 * Watches a lock seen as `seen` for `leaseMs` of this process's clock, looking about ten times a
 * lease (at least every second), and answers as soon as it moves.
 */
export async function watchLease(
  path: string,
  seen: LockSighting,
  leaseMs: number,
): Promise<LeaseVerdict> {
  const end = performance.now() + leaseMs
  const step = Math.min(1_000, Math.max(10, leaseMs / 10))
  for (;;) {
    const now = performance.now()
    if (now >= end) return 'abandoned'
    await new Promise((resolve) => setTimeout(resolve, Math.min(step, end - now)))
    const next = sightLock(path)
    if (next === undefined || next.text !== seen.text) return 'replaced'
    if (next.mtimeMs !== seen.mtimeMs) return 'refreshed'
  }
}

/**
 * When a process started, as its kernel counts (Linux: field 22 of `/proc/<pid>/stat`, clock
 * ticks after boot), or undefined where that cannot be read. A pid names one process only
 * together with its start: a restarted container numbers its processes afresh, so the pid a
 * killed run's lock names soon belongs to another process.
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // Field 2, the command name, is in parentheses and may itself hold spaces and ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

let scope: { readonly value: string | undefined } | undefined

/**
 * Where this process's pids mean something: the machine's boot and its pid namespace (Linux), or
 * undefined where that cannot be read. Pods share a host name (an Indexed Job's `<job>-<index>`,
 * `hostNetwork`), and a container numbers its processes afresh: a pid names a process of this one
 * only within the same scope.
 */
export function pidScope(): string | undefined {
  scope ??= { value: readScope() }
  return scope.value
}

function readScope(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim()
    return `${boot} ${readlinkSync('/proc/self/ns/pid')}`
  } catch {
    return undefined
  }
}

/**
 * True while the process a lock of this host names runs: its pid is alive (another user's
 * counts) and, where the lock records its start, it is the same process, not a later one
 * given the same pid. This process's own pid never counts: it holds no lock it did not take.
 */
export function runsHere(pid: number, start: string | undefined): boolean {
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
  } catch (error) {
    if (errorCode(error) !== 'EPERM') return false
  }
  if (start === undefined) return true
  const now = processStart(pid)
  return now === undefined || now === start
}
