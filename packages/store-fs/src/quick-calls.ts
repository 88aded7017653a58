/**
 * A call slower than this costs the event loop more than a round trip through the pool would
 * (a thread woken, the answer queued back: tens of microseconds of CPU). Here a close, a hard
 * link or an unlink took about 30 µs, while creating a file in a directory where files come and
 * go took 0.5 ms (BENCHMARKS.md).
 */
const SLOW_CALL_MS = 0.2
/** Of the last this many calls of a kind, this many slow send that kind to the pool. */
const CALLS_JUDGED = 8
const SLOW_CALLS = 3
/**
 * How long a kind stays on the pool before one call of it is tried synchronously again; the wait
 * doubles each time the kind is sent back, up to the longest. What made the calls slow may pass:
 * ext4's scan of recently freed inodes slows creates for about a minute after many deletes.
 * A try blocks the event loop for one call.
 */
const FIRST_WAIT_MS = 30_000
const LONGEST_WAIT_MS = 16 * 60_000

/** The kinds of call judged apart: one kind can be slow on a file system where the rest are quick. */
export type QuickCallKind =
  | 'create'
  | 'write'
  | 'set-times'
  | 'close'
  | 'link'
  | 'unlink'
  | 'open-directory'

/**
 * Whether one kind of short file-system call (creating a file, a small write, a close, a hard
 * link, an unlink) runs synchronously on the calling thread instead of on libuv's pool. On the
 * pool each call is a round trip: a thread woken, the answer queued back, a promise. In a batch
 * of small objects on two cores those round trips cost more CPU than the calls, and the threads
 * they wake take the core from the event loop (BENCHMARKS.md, "Many objects").
 *
 * A synchronous call blocks the event loop while it runs, so each one is timed: once calls of a
 * kind are slow (a network file system, a disk queueing), that kind takes the pool again, where
 * several calls can wait at once. After a while (30 s, then twice as long each time the kind is
 * sent back, up to 16 min) one call of it runs synchronously again as a try: quick, and the kind
 * is judged afresh; slow, and it waits longer. Calls that wait on the disk by design (fsync)
 * always take the pool.
 */
export class QuickCalls {
  #on = true
  #recent: boolean[] = []
  readonly #now: () => number
  #waitMs = FIRST_WAIT_MS
  #retryAt = 0
  #trying = false

  /** `now` is a clock in milliseconds (tests pass their own). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now
  }

  /**
   * True while these calls should run synchronously, and once when a kind on the pool is due a
   * try: the caller then makes its call through `run` (or reports it with `took`) right away.
   */
  get on(): boolean {
    if (this.#on) return true
    if (this.#now() < this.#retryAt) return false
    this.#trying = true
    return true
  }

  /** Runs `call` synchronously and times it; a throw is timed too. */
  run<T>(call: () => T): T {
    const began = performance.now()
    try {
      return call()
    } finally {
      this.took(performance.now() - began)
    }
  }

  /** Notes a call that took `ms`. */
  took(ms: number): void {
    const slow = ms > SLOW_CALL_MS
    if (this.#trying) {
      this.#trying = false
      if (slow) this.#toPool()
      else {
        this.#on = true
        this.#recent = []
      }
      return
    }
    if (!this.#on) return
    this.#recent.push(slow)
    if (this.#recent.length > CALLS_JUDGED) this.#recent.shift()
    if (this.#recent.filter(Boolean).length >= SLOW_CALLS) this.#toPool()
  }

  #toPool(): void {
    this.#on = false
    this.#retryAt = this.#now() + this.#waitMs
    // A kind that keeps turning slow again is tried less and less often.
    this.#waitMs = Math.min(this.#waitMs * 2, LONGEST_WAIT_MS)
  }

  /** The one instance for calls of `kind` that every file of the process reports to. */
  static shared(kind: QuickCallKind): QuickCalls {
    let calls = shared.get(kind)
    if (calls === undefined) {
      calls = new QuickCalls()
      shared.set(kind, calls)
    }
    return calls
  }
}

const shared = new Map<QuickCallKind, QuickCalls>()
