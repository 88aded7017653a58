import { sleep } from './sleep.ts'

/** A token bucket shared by all parts, so `maxBytesPerSecond` caps the sum, not each connection. */
export class RateLimiter {
  readonly #rate: number
  readonly #burst: number
  #tokens: number
  #last: number

  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond
    // A burst of 100 ms keeps the cap smooth without starving parts between chunks.
    this.#burst = Math.max(1, bytesPerSecond / 10)
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
