import type { ExistsRemedy } from '../errors/target-error.ts'
import type { DownloadEvent } from '../events.ts'
import type { DownloadResult } from '../result.ts'
import type { JournalProblem } from './journal-codec.ts'
import type { ListedObject } from './lister.ts'

/** Why an object was not downloaded although it was not a failure. */
export type SkipReason =
  /** The journal records it done with the same ETag (a rerun after a pause or crash). */
  | 'done'
  /**
   * The journal records it done, but the listing now gives it another ETag or size: it changed
   * in the store since. Kept as it is (a rerun continues its batch); `overwrite` or `update`
   * fetches it again.
   */
  | 'done-but-changed'
  /** A file at the destination has the same size and CRC-64 as the object (`skipExisting`). */
  | 'same-content'
  /** The destination file is as new as the object and of the same size (`update`). */
  | 'up-to-date'
  /** Another machine's shard (`shard`). Counted, not reported one by one. */
  | 'other-shard'
  /** Left out by the batch's `filter` (the CLI's `--include`/`--exclude`). Counted, not reported one by one. */
  | 'filtered'
  /** A zero-byte key ending in `/`: a "folder" placeholder, not a file. */
  | 'directory-marker'

/** What went wrong, with everything the store said about it (never a credential). */
export interface FailureDetails {
  /** The error's `kind` (`not-found`, `forbidden`, `archived`, `unsafe-key`, `exists`, `integrity`, `network`, …). */
  readonly kind: string
  /** What went wrong, in words. */
  readonly message: string
  /** HTTP status, when there was a response. */
  readonly status?: number
  /** The store's error Code (`NoSuchKey`, `AccessDenied`, `InvalidObjectState`, …). */
  readonly code?: string
  /** The store's RequestId. */
  readonly requestId?: string
  /** The store's HostId. */
  readonly hostId?: string
  /** The error itself. */
  readonly error: unknown
}

/** One failed object. */
export interface BatchFailure extends FailureDetails {
  /** The object key. */
  readonly key: string
  /**
   * The object as the source gave it: the same value, so a caller can tell where it came from
   * (a manifest line) even when two entries share a key.
   */
  readonly object: ListedObject
  /** The relative destination path, when the key mapped to one. */
  readonly path?: string
  /** For `exists`: the options that would have skipped or replaced the file (`TargetError.remedies`). */
  readonly remedies?: readonly ExistsRemedy[]
}

/**
 * A listing (or manifest) that failed after naming some objects: those were downloaded (or failed)
 * as usual, the ones after `afterKey` were not listed. A rerun lists again and continues.
 */
export interface BatchListingFailure extends FailureDetails {
  /** The last key the listing gave before it failed. */
  readonly afterKey: string
}

/** A snapshot of the batch's progress. */
export interface BatchProgress {
  /** Objects of this shard listed so far (all listed objects when not sharded), refused ones included. */
  readonly objectsTotal: number
  /** True once the listing has ended: `objectsTotal` is final. */
  readonly listingDone: boolean
  /** Objects finished: downloaded, skipped or failed. */
  readonly objectsDone: number
  /** Objects downloaded this run. */
  readonly objectsDownloaded: number
  /** Objects of this shard skipped (journal, existing file); folder markers are not objects. */
  readonly objectsSkipped: number
  /** Objects failed so far. */
  readonly failures: number
  /** Objects being downloaded right now. */
  readonly objectsInFlight: number
  /** Bytes at their destination: finished objects plus the durable and fetched part of those in flight. */
  readonly bytesDone: number
  /** Bytes of every object of this shard listed so far whose size is known. */
  readonly bytesTotal: number
  /** Objects whose size is not known before they are fetched (a manifest): not in `bytesTotal`. */
  readonly sizesUnknown: number
  /** Bytes per second received over the recent window. */
  readonly bytesPerSecond: number
  /** Seconds left at the current rate; undefined while the listing runs, the rate is unknown or a size is (`sizesUnknown`). */
  readonly etaSeconds: number | undefined
}

/** Everything a batch reports. `key` is always the full object key. */
export type BatchEvent =
  | {
      /** The journal could not be used and was replaced: every object is decided afresh. */
      readonly type: 'journal-discarded'
      readonly problem: JournalProblem
      readonly message: string
    }
  | {
      /**
       * The journal was used, but `records` of its records were damaged (each line carries its own
       * CRC) and are left out: those objects are decided afresh, as if never fetched (a file of
       * theirs already at the destination is then `exists`, unless `skipExisting`, `update` or
       * `overwrite` says otherwise).
       */
      readonly type: 'journal-damaged'
      readonly records: number
    }
  | {
      /**
       * The directory held the journal of another batch (another prefix, shard or manifest): it
       * is taken over, and each of its `records` finished objects counts as done here only for
       * the same key at the same path with the same ETag and size.
       */
      readonly type: 'journal-inherited'
      /** The other batch's id. */
      readonly batch: string
      readonly records: number
    }
  | {
      readonly type: 'object-start'
      readonly key: string
      readonly path: string
      readonly object: ListedObject
      /**
       * The most slots of the shared budget this object may hold at once (its part concurrency):
       * it starts on one and its part workers take more as they free up. Never more than the
       * batch's connections, which a low rate limit lowers below `concurrency`.
       */
      readonly slots: number
    }
  | {
      /** An event of the single-object engine, for the object named. */
      readonly type: 'object-event'
      readonly key: string
      readonly event: DownloadEvent
    }
  | {
      readonly type: 'object-done'
      readonly key: string
      readonly path: string
      readonly result: DownloadResult
      /** The ETag downloaded differs from the listed one: the object changed after it was listed. */
      readonly changedSinceListing: boolean
    }
  | {
      readonly type: 'object-skipped'
      readonly key: string
      readonly path?: string
      readonly reason: SkipReason
    }
  | { readonly type: 'object-failed'; readonly failure: BatchFailure }
  | {
      /**
       * Objects of the store at `origin` (`ListedObject.origin`) got no answer twice in a row:
       * its objects, those that failed and those listed next, wait while one is tried now and
       * then, for up to `waitMs` (0: a store that never answered in this run is given up at once).
       */
      readonly type: 'store-unreachable'
      readonly origin?: string
      /** The failure that made the store count as down. */
      readonly failure: BatchFailure
      readonly waitMs: number
    }
  | {
      /** The store answered again after `downMs`: its waiting objects run. */
      readonly type: 'store-reachable'
      readonly origin?: string
      readonly downMs: number
    }
  | {
      /**
       * The store did not answer within the wait: its `objects` waiting fail with their own
       * errors, and its objects listed later fail without a request (`message` says why).
       */
      readonly type: 'store-given-up'
      readonly origin?: string
      readonly downMs: number
      readonly message: string
      readonly objects: number
    }
  | {
      /**
       * The listing failed after naming some objects: no more are listed, those listed run to
       * their end, and the summary carries the same `failure` (`BatchSummary.listingFailure`).
       */
      readonly type: 'listing-failed'
      readonly failure: BatchListingFailure
    }
  | {
      /**
       * After a run through its whole listing: the part state (partial file, part checkpoint,
       * stale lock) an earlier run of this batch left for objects this run did not list at all
       * was removed (`BatchOptions.removeUnlisted`). Their destination paths.
       */
      readonly type: 'unlisted-removed'
      readonly paths: readonly string[]
    }
  | { readonly type: 'progress'; readonly progress: BatchProgress }
