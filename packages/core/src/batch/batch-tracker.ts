import { ProgressMeter } from '../progress-meter.ts'
import type { BatchFailure, BatchProgress, SkipReason } from './batch-events.ts'

/**
 * No batch ETA before the run has been measured this long: its first objects are often small, and
 * their few bytes per second, extrapolated over a big one, promised "ETA 223h41m" for a run of 6 s.
 */
const BATCH_ETA_AFTER_MS = 3000

/** Counts what a batch has done and turns it into progress snapshots with a rate and an ETA. */
export class BatchTracker {
  listed = 0
  listingDone = false
  /** Objects of this shard (every listed object unless sharded). */
  total = 0
  bytesTotal = 0
  /** Objects of this shard whose size the listing did not give: `bytesTotal` leaves them out. */
  sizesUnknown = 0
  downloaded = 0
  completedBytes = 0
  completedFetched = 0
  readonly skipped: Partial<Record<SkipReason, number>> = {}
  readonly failures: BatchFailure[] = []
  readonly changedSinceListing: string[] = []
  /** Keys the journal had done whose file was gone or of another size: fetched again. */
  readonly restored: string[] = []
  readonly #inFlight = new Map<
    string,
    { bytesDone: number; fetched: number; size: number | undefined }
  >()
  readonly #meter: ProgressMeter

  /** Starts measuring now; no ETA before `etaAfterMs` of the run. */
  constructor(etaAfterMs: number = BATCH_ETA_AFTER_MS) {
    this.#meter = new ProgressMeter(0, Date.now(), etaAfterMs)
  }

  skip(reason: SkipReason, bytes = 0): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1
    this.completedBytes += bytes
  }

  /** `key` is being downloaded; `size` is its listed size, when the listing gave one. */
  started(key: string, size?: number): void {
    this.#inFlight.set(key, { bytesDone: 0, fetched: 0, size })
  }

  moved(key: string, bytesDone: number, fetched: number): void {
    const object = this.#inFlight.get(key)
    if (object === undefined) this.#inFlight.set(key, { bytesDone, fetched, size: undefined })
    else {
      object.bytesDone = bytesDone
      object.fetched = fetched
    }
  }

  finished(key: string, outcome?: { bytes: number; fetched: number }): void {
    const last = this.#inFlight.get(key)
    this.#inFlight.delete(key)
    if (outcome) {
      // It changed after listing: its listed size is not what arrived, and the total says what did.
      if (last?.size !== undefined) this.bytesTotal += outcome.bytes - last.size
      this.downloaded++
      this.completedBytes += outcome.bytes
      this.completedFetched += outcome.fetched
    } else if (last) {
      // A failed or paused object's bytes were received all the same: the rate must not drop back.
      this.completedFetched += last.fetched
    }
  }

  get skippedCount(): number {
    let n = 0
    for (const count of Object.values(this.skipped)) n += count ?? 0
    return n
  }

  /** Bytes received from the network this run. */
  get fetched(): number {
    let n = this.completedFetched
    for (const o of this.#inFlight.values()) n += o.fetched
    return n
  }

  snapshot(): BatchProgress {
    let bytesDone = this.completedBytes
    // An object in flight that grew since it was listed counts its bytes beyond the listed size.
    let grown = 0
    for (const o of this.#inFlight.values()) {
      bytesDone += o.bytesDone
      if (o.size !== undefined) grown += Math.max(0, o.bytesDone - o.size)
    }
    this.#meter.sample(this.fetched)
    const rate = this.#meter.rate()
    const left = this.#bytesLeft(bytesDone)
    // Neither another shard's keys, nor those the filter left out, nor folder markers are among
    // `objectsTotal`.
    const skipped =
      this.skippedCount -
      (this.skipped['other-shard'] ?? 0) -
      (this.skipped.filtered ?? 0) -
      (this.skipped['directory-marker'] ?? 0)
    return {
      objectsTotal: this.total,
      listingDone: this.listingDone,
      objectsDone: this.downloaded + skipped + this.failures.length,
      objectsDownloaded: this.downloaded,
      objectsSkipped: skipped,
      failures: this.failures.length,
      objectsInFlight: this.#inFlight.size,
      bytesDone,
      bytesTotal: this.bytesTotal + grown,
      sizesUnknown: this.sizesUnknown,
      bytesPerSecond: rate,
      etaSeconds: !this.listingDone || this.sizesUnknown > 0 ? undefined : this.#meter.eta(left),
    }
  }

  /**
   * Bytes still to arrive, for the ETA (read only once the listing is done). Not `bytesTotal`
   * minus `bytesDone`: a failed or refused object's bytes are in the total and will never arrive.
   * Once the listing is done every object not in flight is settled, so what is left is the rest
   * of each object in flight: nothing when none is, and the sum of their remainders when each
   * was started with its listed size.
   */
  #bytesLeft(bytesDone: number): number {
    if (this.listingDone) {
      if (this.#inFlight.size === 0) return 0
      let left = 0
      let sized = true
      for (const o of this.#inFlight.values()) {
        if (o.size === undefined) sized = false
        else left += Math.max(0, o.size - o.bytesDone)
      }
      if (sized) return left
    }
    // The listing runs (no ETA then), or an object in flight was started without its size: the
    // whole-batch estimate, which counts the bytes of failed objects too.
    return Math.max(0, this.bytesTotal - bytesDone)
  }
}
