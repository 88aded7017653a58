import { type DownloadOptions, MIN_PART_SIZE } from '@resumable/core'

/** Six parts of the smallest size, the last one short: every suite's object. */
export const SUITE_OBJECT_SIZE: number = 5 * MIN_PART_SIZE + 1234

/** Download settings that keep a suite fast: small parts, short backoff, a short stall guard. */
export const FAST_DOWNLOAD: Partial<DownloadOptions> = {
  partSize: MIN_PART_SIZE,
  concurrency: 3,
  retries: 4,
  retryBaseDelayMs: 1,
  retryMaxDelayMs: 20,
  // Short enough that a stall costs a second, long enough that a loaded machine's first request
  // over a fresh wire (module warm-up, a new connection) is not taken for one.
  stallTimeoutMs: 1000,
  checkpointIntervalMs: 10,
  writeBufferSize: 16 * 1024,
}
