import type {
  BatchFailure,
  BatchListingFailure,
  BatchProgress,
  SkipReason,
} from './batch-events.ts'

/** What a finished batch reports. */
export interface BatchSummary {
  /** True when every object of this shard is at its destination or was skipped: nothing failed. */
  readonly ok: boolean
  /** True when `failFast` stopped the batch at the first failure (objects may be left unstarted). */
  readonly stoppedEarly: boolean
  /** Objects listed (all shards, and those the `filter` left out). */
  readonly listed: number
  /** Objects downloaded this run. */
  readonly downloaded: number
  /** Objects skipped, by reason. */
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>
  /** Every failed object, in the order they failed. */
  readonly failures: readonly BatchFailure[]
  /**
   * The listing failed after naming some objects (and `ok` is false): the objects after
   * `afterKey` were not listed. A listing that fails before naming any rejects instead.
   */
  readonly listingFailure?: BatchListingFailure
  /** Objects whose downloaded ETag differs from the listed one (changed after listing). */
  readonly changedSinceListing: readonly string[]
  /**
   * Objects an earlier run had finished whose file was missing or of another size: decided again
   * like any object (fetched if the file is gone; an existing file only with `overwrite`,
   * `update` or `skipExisting`).
   */
  readonly restored: readonly string[]
  /**
   * Destination paths of objects not listed in this run whose part state an earlier run of this
   * batch left was removed (`BatchOptions.removeUnlisted`); empty when none was, or the listing
   * did not run to its end.
   */
  readonly removedUnlisted: readonly string[]
  /** Bytes received from the network this run. */
  readonly fetchedBytes: number
  /** The final progress snapshot. */
  readonly progress: BatchProgress
  /** Wall-clock duration. */
  readonly durationMs: number
}
