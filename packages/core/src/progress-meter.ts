import type { DownloadProgress } from './events.ts'

const WINDOW_MS = 5000

/** Turns byte counts into a rate and ETA over a sliding window, so one slow second does not swing the ETA. */
export class ProgressMeter {
  readonly #samples: { at: number; bytes: number }[] = []
  #lastReport = Number.NEGATIVE_INFINITY

  /** Records that `fetched` bytes have arrived in total this run (at most one sample per 100 ms). */
  sample(fetched: number, now: number = Date.now()): void {
    const last = this.#samples[this.#samples.length - 1]
    if (last && now - last.at < 100) return
    this.#samples.push({ at: now, bytes: fetched })
    while (this.#samples.length > 2 && (this.#samples[0] as { at: number }).at < now - WINDOW_MS) {
      this.#samples.shift()
    }
  }

  /** Bytes per second across the window. */
  rate(): number {
    const first = this.#samples[0]
    const last = this.#samples[this.#samples.length - 1]
    if (!first || !last || last.at <= first.at) return 0
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at)
  }

  /** True when a report is due (at most one per `intervalMs`). */
  due(intervalMs: number, now: number = Date.now()): boolean {
    if (now - this.#lastReport < intervalMs) return false
    this.#lastReport = now
    return true
  }

  /** Builds a progress snapshot. */
  snapshot(fields: Omit<DownloadProgress, 'bytesPerSecond' | 'etaSeconds'>): DownloadProgress {
    const rate = this.rate()
    const left = fields.totalBytes - fields.bytesDone
    return {
      ...fields,
      bytesPerSecond: rate,
      etaSeconds: left === 0 ? 0 : rate > 0 ? left / rate : undefined,
    }
  }
}
