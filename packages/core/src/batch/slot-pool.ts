/**
 * The batch's one concurrency budget: `capacity` slots, each one request in flight. An object is
 * granted all the slots it will use before it starts (one for a small object, up to one per part
 * for a big one, never more than the budget) and returns them when it ends. Grants are strictly
 * first come, first served, so a big object waits only for the objects ahead of it to finish and
 * is never starved by small ones behind it.
 *
 * Why whole grants instead of a slot per request: the single-object engine starts its part
 * workers at once and times each request from the moment it is made, so a worker queued for a
 * slot would be mistaken for a stalled connection. Granting up front keeps every request the
 * engine makes runnable immediately, and the sum of grants never exceeds the budget.
 */
export class SlotPool {
  readonly capacity: number
  #free: number
  readonly #queue: { n: number; resolve: () => void; reject: (reason: unknown) => void }[] = []

  constructor(capacity: number) {
    this.capacity = capacity
    this.#free = capacity
  }

  /** Slots not granted to anyone. */
  get free(): number {
    return this.#free
  }

  /** Waits for `n` slots (1 ≤ n ≤ capacity); rejects with the signal's reason if it aborts first. */
  acquire(n: number, signal?: AbortSignal): Promise<() => void> {
    const want = Math.max(1, Math.min(n, this.capacity))
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      this.#free += want
      this.#drain()
    }
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#queue.length === 0 && this.#free >= want) {
      this.#free -= want
      return Promise.resolve(release)
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        n: want,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(release)
        },
        reject,
      }
      const onAbort = (): void => {
        const at = this.#queue.indexOf(waiter)
        if (at >= 0) this.#queue.splice(at, 1)
        reject(signal?.reason)
        this.#drain()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#queue.push(waiter)
    })
  }

  #drain(): void {
    for (let head = this.#queue[0]; head && this.#free >= head.n; head = this.#queue[0]) {
      this.#queue.shift()
      this.#free -= head.n
      head.resolve()
    }
  }
}
