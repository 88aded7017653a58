import { OptionsError } from './errors/options-error.ts'

/**
 * A budget of requests in flight, shared by downloads: `capacity` slots, each held by one part
 * worker while it fetches. Give the same pool to several downloads (`slots`) and their part
 * requests together never exceed it; `downloadMany` shares one among every object of a batch.
 * Grants are strictly first come, first served, so a request for several slots is never
 * overtaken by smaller ones behind it.
 *
 * @example
 * ```ts
 * import { download, SlotPool } from '@resumable/core'
 *
 * // Two downloads at once, at most 8 connections between them; each may use all 8.
 * const slots = new SlotPool(8)
 * await Promise.all([
 *   download({ ...a, concurrency: 8, slots }),
 *   download({ ...b, concurrency: 8, slots }),
 * ])
 * ```
 */
export class SlotPool {
  readonly capacity: number
  #free: number
  readonly #queue: { n: number; resolve: () => void; reject: (reason: unknown) => void }[] = []

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new OptionsError(
        'slots',
        `a SlotPool needs a whole number of slots ≥ 1, got ${String(capacity)}`,
      )
    }
    this.capacity = capacity
    this.#free = capacity
  }

  /** Slots not granted to anyone. */
  get free(): number {
    return this.#free
  }

  /**
   * Waits for `n` slots (clamped to 1…capacity) and resolves with the function that returns
   * them (calling it twice returns them once); rejects with the signal's reason if it aborts first.
   */
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

/** What a download asks of a slot budget: one slot per part worker, while it works. */
export type PartSlots = Pick<SlotPool, 'acquire'>
