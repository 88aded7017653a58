import type { DownloadProgress } from './events.ts'

const WINDOW_MS = 5000
/**
 * No ETA before the run has been measured this long: the first fraction of a second is connection
 * set-up and TCP slow start, and a rate from it promised minutes for a download that took seconds
 * (the demo's resume showed "ETA 3m18s 4.14 MiB/s", then finished at 260 MiB/s in 3 s).
 */
const ETA_AFTER_MS = 1000

/** Turns byte counts into a rate and ETA over a sliding window, so one slow second does not swing the ETA. */
export class ProgressMeter {
  readonly #samples: { at: number; bytes: number }[]
  // The newest count, kept even between stored samples (a run shorter than 100 ms still has a
  // rate); two numbers, not an object, because every chunk updates them.
  #latestAt: number
  #latestBytes: number
  #lastReport = Number.NEGATIVE_INFINITY
  readonly #startedAt: number
  readonly #etaAfterMs: number

  /**
   * Starts measuring now, from `fetched` bytes (what the run had fetched before the meter); no
   * ETA before `etaAfterMs` of it.
   */
  constructor(fetched = 0, now: number = Date.now(), etaAfterMs: number = ETA_AFTER_MS) {
    this.#startedAt = now
    this.#etaAfterMs = etaAfterMs
    this.#latestAt = now
    this.#latestBytes = fetched
    this.#samples = [{ at: now, bytes: fetched }]
  }

  /** Records that `fetched` bytes have arrived in total this run (at most one stored sample per 100 ms). */
  sample(fetched: number, now: number = Date.now()): void {
    this.#latestAt = now
    this.#latestBytes = fetched
    const last = this.#samples[this.#samples.length - 1] as { at: number }
    if (now - last.at < 100) return
    this.#samples.push({ at: now, bytes: fetched })
    while (this.#samples.length > 2 && (this.#samples[0] as { at: number }).at < now - WINDOW_MS) {
      this.#samples.shift()
    }
  }

  /** Bytes per second across the window, up to the newest count. */
  rate(): number {
    const first = this.#samples[0] as { at: number; bytes: number }
    if (this.#latestAt <= first.at) return 0
    return ((this.#latestBytes - first.bytes) * 1000) / (this.#latestAt - first.at)
  }

  /** True when a report is due (at most one per `intervalMs`). */
  due(intervalMs: number, now: number = Date.now()): boolean {
    if (now - this.#lastReport < intervalMs) return false
    this.#lastReport = now
    return true
  }

  /** Seconds until `left` more bytes arrive at the current rate; undefined until measured long enough. */
  eta(left: number): number | undefined {
    if (left === 0) return 0
    const rate = this.rate()
    const measured = this.#latestAt - this.#startedAt >= this.#etaAfterMs
    return rate > 0 && measured ? left / rate : undefined
  }

  /** Builds a progress snapshot (no ETA yet in the run's first second). */
  snapshot(fields: Omit<DownloadProgress, 'bytesPerSecond' | 'etaSeconds'>): DownloadProgress {
    // Field by field, in the order a spread of `fields` gave: the spread took V8's slow clone path,
    // and a small object in a batch reports twice (its first chunk, its end).
    const { bytesDone, totalBytes, sizeKnown, resumedBytes, partsDone, partsTotal, partsInFlight } =
      fields
    const bytesPerSecond = this.rate()
    const etaSeconds = this.eta(totalBytes - bytesDone)
    return sizeKnown === undefined
      ? {
          bytesDone,
          totalBytes,
          resumedBytes,
          partsDone,
          partsTotal,
          partsInFlight,
          bytesPerSecond,
          etaSeconds,
        }
      : {
          bytesDone,
          totalBytes,
          sizeKnown,
          resumedBytes,
          partsDone,
          partsTotal,
          partsInFlight,
          bytesPerSecond,
          etaSeconds,
        }
  }
}
