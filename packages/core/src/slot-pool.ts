import { OptionsError } from './errors/options-error.ts'

/**
 * A budget of requests in flight, shared by downloads: `capacity` slots, each held by one part
 * worker while it fetches. Give the same pool to several downloads (`slots`) and their part
 * requests together never exceed it; `downloadMany` shares one among every object of a batch.
 * Slots are granted strictly first come, first served.
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
  readonly #waiting: { resolve: () => void; reject: (reason: unknown) => void }[] = []

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

  /** Slots not held by anyone. */
  get free(): number {
    return this.#free
  }

  /**
   * Waits for a slot, first come first served, and resolves with the function that gives it back
   * (calling it twice gives it back once); rejects with the signal's reason if it aborts first.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      const next = this.#waiting.shift()
      // Handed straight to the next in line, so nobody can overtake it.
      if (next) next.resolve()
      else this.#free++
    }
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#free > 0) {
      this.#free--
      return Promise.resolve(release)
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(release)
        },
        reject,
      }
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(waiter)
        if (at >= 0) this.#waiting.splice(at, 1)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiting.push(waiter)
    })
  }
}

/** What a download asks of a slot budget: one slot per part worker, while it works. */
export type PartSlots = Pick<SlotPool, 'acquire'>
