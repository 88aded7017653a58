import { sleep } from './sleep.ts'

/**
 * A token bucket: `take` waits until the bytes may pass. One download's parts share one, so
 * `maxBytesPerSecond` caps their sum, not each connection; give the same instance to several
 * downloads (`rateLimiter`) and it caps their sum too — `downloadMany`'s `maxBytesPerSecond` does.
 *
 * @example
 * ```ts
 * import { download, RateLimiter } from '@resumable/core'
 *
 * // Two downloads at once, 50 MiB/s between them.
 * const rateLimiter = new RateLimiter(50 * 1024 * 1024)
 * await Promise.all([download({ ...a, rateLimiter }), download({ ...b, rateLimiter })])
 * ```
 */
export class RateLimiter {
  readonly #rate: number
  readonly #burst: number
  #tokens: number
  #last: number
  /**
   * The most bytes to take at once: a tenth of a second's worth (at least 1). A download releases
   * a bigger chunk in slices of this size, so at a limit below the chunk rate bytes pass (and are
   * counted and written) every 100 ms or so instead of a whole chunk at once after a long wait.
   */
  readonly sliceBytes: number
  /**
   * The cap, bytes per second. A download reads it to open no more connections than the cap can
   * keep moving (connection-floor.ts): a connection the limiter starves is one a server drops.
   */
  readonly bytesPerSecond: number

  /** At most `bytesPerSecond` on average, in bursts of at most a tenth of a second's worth. */
  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond
    this.bytesPerSecond = bytesPerSecond
    // A burst of 100 ms keeps the cap smooth without starving parts between chunks.
    this.#burst = Math.max(1, bytesPerSecond / 10)
    this.sliceBytes = Math.max(1, Math.floor(this.#burst))
    this.#tokens = this.#burst
    this.#last = Date.now()
  }

  /** Waits until `bytes` may pass. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    this.#refill()
    this.#tokens -= bytes
    if (this.#tokens >= 0) return
    await sleep(Math.ceil((-this.#tokens / this.#rate) * 1000), signal)
  }

  #refill(): void {
    const now = Date.now()
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate)
    this.#last = now
  }
}

/**
 * What a download asks of a limiter: `take`, and optionally `sliceBytes`, the most it should be
 * asked for at once (a limiter without it is asked for each chunk as it arrived, up to 64 KiB),
 * and `bytesPerSecond`, its cap (without it, the download does not lower its concurrency to give
 * each connection a floor rate).
 */
export type ByteLimit = Pick<RateLimiter, 'take'> &
  Partial<Pick<RateLimiter, 'sliceBytes' | 'bytesPerSecond'>>

/** Both limits at once: bytes pass when each allows them. */
export function bothLimits(
  a: ByteLimit | undefined,
  b: ByteLimit | undefined,
): ByteLimit | undefined {
  if (!a || !b) return a ?? b
  const slices = [a.sliceBytes, b.sliceBytes].filter((n): n is number => n !== undefined)
  const rates = [a.bytesPerSecond, b.bytesPerSecond].filter((n): n is number => n !== undefined)
  return {
    ...(slices.length === 0 ? {} : { sliceBytes: Math.min(...slices) }),
    ...(rates.length === 0 ? {} : { bytesPerSecond: Math.min(...rates) }),
    async take(bytes, signal) {
      await a.take(bytes, signal)
      await b.take(bytes, signal)
    },
  }
}
