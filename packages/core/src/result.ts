import type { ExpectedDigest } from './digest.ts'
import type { ObjectInfo } from './ports.ts'
import type { Verification } from './verify.ts'

/** What a finished download reports. */
export interface DownloadResult {
  /** The object as `stat` described it (ETag, Last-Modified, metadata, …); with `range`, `size` is the range's length. */
  readonly object: ObjectInfo
  /** The byte range of the object that was downloaded, when the `range` option asked for one (`end` clipped to the object). */
  readonly range?: { readonly start: number; readonly end: number }
  /** Object size (or range length), now at the destination. */
  readonly bytes: number
  /**
   * Bytes taken from an earlier run's checkpoint instead of the network. Bytes this run fetched
   * before an attempt failed and it went on from its own checkpoint are in `fetchedBytes`.
   */
  readonly resumedBytes: number
  /** Bytes received from the network this run, re-fetched ones included. */
  readonly fetchedBytes: number
  /** Bytes per part in the plan that was used. */
  readonly partSize: number
  /** Parts in the plan. */
  readonly partCount: number
  /** What was verified before commit. */
  readonly verification: Verification
  /** The `digest` option's digest (lower case), which the finished bytes matched before commit. */
  readonly digest?: ExpectedDigest
  /** Retries made (parts and stat, and attempts run again after the store stopped answering). */
  readonly retries: number
  /** Retries by reason (`network`, `timeout`, `throttled`, `protocol`, …). */
  readonly retriesByKind: Readonly<Record<string, number>>
  /** Restarts because the object changed. */
  readonly restarts: number
  /** Wall-clock duration. */
  readonly durationMs: number
}
