import type { ChecksumAlgorithm } from './crc/algorithm.ts'
import type { DigestAlgorithm } from './digest.ts'
import type { CheckpointProblem } from './errors/checkpoint-error.ts'
import type { ObjectInfo } from './ports.ts'
import type { PlanSwitchReason, SequentialReason } from './sequential.ts'
import type { Verification } from './verify.ts'

/** A snapshot of progress. */
export interface DownloadProgress {
  /** Bytes of the object present at the target (resumed + fetched this run). */
  readonly bytesDone: number
  /** Object size; equal to `bytesDone` while `sizeKnown` is false. */
  readonly totalBytes: number
  /** False while downloading an object of unknown length (no `Content-Length`). */
  readonly sizeKnown?: boolean
  /** Bytes taken from the checkpoint instead of the network. */
  readonly resumedBytes: number
  /** Bytes per second over the recent window. */
  readonly bytesPerSecond: number
  /** Seconds left at the current rate; undefined while the rate is unknown (and in the run's first second). */
  readonly etaSeconds: number | undefined
  /** Parts complete. */
  readonly partsDone: number
  /** Parts in the plan. */
  readonly partsTotal: number
  /** Parts being fetched right now. */
  readonly partsInFlight: number
}

/** The summary a failed attempt leaves in a retry event (no credentials, ever). */
export interface RetryReason {
  /** TransportError kind (`network`, `throttled`, `timeout`, …). */
  readonly kind: string
  /** Human-readable message. */
  readonly message: string
  /** HTTP status, when there was one. */
  readonly status?: number
  /** The store's error code. */
  readonly code?: string
}

/** Everything the engine reports while it works. */
export type DownloadEvent =
  | {
      readonly type: 'start'
      readonly object: ObjectInfo
      readonly partSize: number
      readonly partCount: number
      readonly resumedBytes: number
      readonly resumedParts: number
    }
  | {
      readonly type: 'checkpoint-discarded'
      readonly problem: CheckpointProblem
      readonly message: string
    }
  | {
      /**
       * `recheckResumedParts`: the resumed parts were read back and compared with their recorded
       * CRCs; those that differ, `partsRefetched`, are fetched again. With `uncheckable`, the
       * checkpoint recorded no part CRCs (the store published no checksum to compute them for, or
       * the download ran with `verify: false`), so nothing could be compared: every resumed part is
       * fetched again rather than trusted.
       */
      readonly type: 'resume-checked'
      readonly partsChecked: number
      readonly partsRefetched: readonly number[]
      readonly uncheckable?: true
    }
  | {
      /**
       * The reopened temporary place holds `length` bytes, fewer than the checkpoint names (a
       * truncated or replaced file): the parts past its end, `partsRefetched`, are fetched again.
       */
      readonly type: 'resume-truncated'
      readonly length: number
      readonly partsRefetched: readonly number[]
    }
  | { readonly type: 'part-done'; readonly index: number; readonly bytes: number }
  | {
      /**
       * An idle worker took bytes `start`–`end` (inclusive, object offsets) of part `index` off
       * the request fetching it, to fetch them on a request of its own; that request now stops at
       * `start`. The part is done when both are.
       */
      readonly type: 'part-split'
      readonly index: number
      readonly start: number
      readonly end: number
    }
  | {
      readonly type: 'retry'
      /** Part index, or -1 for the stat request. */
      readonly part: number
      readonly attempt: number
      readonly delayMs: number
      readonly reason: RetryReason
    }
  | { readonly type: 'checkpoint-saved'; readonly durableBytes: number }
  | { readonly type: 'restart'; readonly reason: string; readonly restarts: number }
  | { readonly type: 'progress'; readonly progress: DownloadProgress }
  | {
      /**
       * The finished bytes are read back once before the commit, because the store's checksum
       * could not be computed from the parts as they arrived: an MD5 (`md5`), or S3's composite
       * of upload parts this download did not fetch one by one (its CRC algorithm); or to compare
       * them with the `digest` option's (its algorithm, after the `verified` event).
       */
      readonly type: 'verifying'
      readonly method: DigestAlgorithm | ChecksumAlgorithm
      /** True when the bytes are compared with the `digest` option's, not with the store's checksum. */
      readonly digest?: true
      /**
       * The header whose digest the bytes are compared with, when not the store's own checksum
       * fields ({@link ObjectInfo.md5Source}, or the `source` of {@link ObjectInfo.digest}).
       */
      readonly source?: string
      /**
       * How many bytes are read back now: the object's size, less what the Target already hashed
       * as the parts landed (`Target.hashedAhead`); the size for a composite.
       */
      readonly bytes: number
    }
  | { readonly type: 'verified'; readonly verification: Verification }
  | { readonly type: 'paused'; readonly durableBytes: number }
  | {
      /**
       * An attempt got no answer from the store (after its retries), nor did a probe right after:
       * the store counts as down. It is probed now and then for up to `waitMs` (`outageWaitMs`);
       * what is done stays in the checkpoint.
       */
      readonly type: 'store-unreachable'
      readonly reason: RetryReason
      readonly waitMs: number
    }
  | {
      /** The store answered a probe after `downMs`: the download resumes from its checkpoint. */
      readonly type: 'store-reachable'
      readonly downMs: number
    }
  | {
      /** The store did not answer for `outageWaitMs`: the download fails with the last failure. */
      readonly type: 'store-given-up'
      readonly downMs: number
      readonly message: string
    }
  | {
      /**
       * The download is planned as one sequential stream, not parallel parts, and why; said before
       * `start`, whose plan is that one part.
       */
      readonly type: 'sequential'
      readonly reason: SequentialReason
      /** Always 0: nothing was received before the plan was made (kept for listeners that read it). */
      readonly discardedBytes: number
      /** What happened and what a resume will do, for people. */
      readonly message: string
    }
  | {
      /**
       * The download already started (its one `start` event named a plan of ranged parts, or a
       * resume at an offset) and switches to one sequential stream: the server answered a ranged
       * GET with 200 and the whole object once more than is forgiven as a glitch. Said instead of
       * a second `start`; `partSize` and `partCount` are the plan from now on. Counted as one retry
       * of kind `range-ignored`. Progress after it counts from 0: a server that ignores Range
       * can only be read from the first byte, so nothing received before is kept.
       */
      readonly type: 'plan-switched'
      readonly reason: PlanSwitchReason
      /** Bytes received before the switch and thrown away: they cannot be continued in order. */
      readonly discardedBytes: number
      /**
       * Always 0: the stream starts at the first byte, the only place a server that ignores Range
       * can be read from, and nothing received before the switch is kept (see `discardedBytes`).
       * Kept for listeners that read it.
       */
      readonly keptBytes: number
      /** The new plan's part size: the object's size (one part). */
      readonly partSize: number
      /** The new plan's part count: 1 (0 for an empty object). */
      readonly partCount: number
      /** What happened and what a resume will do, for people. */
      readonly message: string
    }
