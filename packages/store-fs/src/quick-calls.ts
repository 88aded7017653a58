/**
 * A call slower than this costs the event loop more than a round trip through the pool would
 * (a thread woken, the answer queued back: tens of microseconds of CPU). Here a close, a hard
 * link or an unlink took about 30 µs, while creating a file in a directory where files come and
 * go took 0.5 ms (BENCHMARKS.md).
 */
const SLOW_CALL_MS = 0.2
/** Of the last this many calls of a kind, this many slow send that kind to the pool for good. */
const CALLS_JUDGED = 8
const SLOW_CALLS = 3

/** The kinds of call judged apart: one kind can be slow on a file system where the rest are quick. */
export type QuickCallKind = 'create' | 'write' | 'close' | 'link' | 'unlink' | 'open-directory'

/**
 * Whether one kind of short file-system call (creating a file, a small write, a close, a hard
 * link, an unlink) runs synchronously on the calling thread instead of on libuv's pool. On the
 * pool each call is a round trip: a thread woken, the answer queued back, a promise. In a batch
 * of small objects on two cores those round trips cost more CPU than the calls, and the threads
 * they wake take the core from the event loop (BENCHMARKS.md, "Many objects").
 *
 * A synchronous call blocks the event loop while it runs, so each one is timed: once calls of a
 * kind are slow (a network file system, a disk queueing), that kind takes the pool again for the
 * life of the process, where several calls can wait at once. Calls that wait on the disk by
 * design (fsync) always take the pool.
 */
export class QuickCalls {
  #on = true
  #recent: boolean[] = []

  /** True while these calls should run synchronously. */
  get on(): boolean {
    return this.#on
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
    this.#recent.push(ms > SLOW_CALL_MS)
    if (this.#recent.length > CALLS_JUDGED) this.#recent.shift()
    if (this.#recent.filter(Boolean).length >= SLOW_CALLS) this.#on = false
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
