/**
 * A call slower than this waited on something: a remote file system, or a disk queueing behind
 * others. A local create, link, unlink or close takes tens of microseconds (BENCHMARKS.md).
 */
const SLOW_CALL_MS = 2
/** Of the last this many calls, this many slow turn quick calls off for the process. */
const CALLS_JUDGED = 8
const SLOW_CALLS = 3

/**
 * Whether short file-system calls (creating a file, closing it, a hard link, an unlink, a small
 * write) run synchronously on the calling thread instead of on libuv's pool. On the pool each
 * call is a round trip: a thread woken, the result queued back, a promise; in a batch of small
 * objects on two cores those round trips cost more CPU than the calls themselves, and the threads
 * they wake take the core from the event loop (BENCHMARKS.md, "Many objects").
 *
 * A synchronous call blocks the event loop while it runs, so each one is timed: once calls are
 * slow (a network file system), they take the pool again for the life of the process, where
 * several can wait at once. Calls that wait on the disk by design (fsync) always take the pool.
 */
export class QuickCalls {
  #on = true
  #recent: boolean[] = []

  /** True while short calls should run synchronously. */
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

  /** The one instance every file of the process reports to. */
  static shared(): QuickCalls {
    shared ??= new QuickCalls()
    return shared
  }
}

let shared: QuickCalls | undefined
