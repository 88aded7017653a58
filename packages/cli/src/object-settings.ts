import type { ChecksumThread, DownloadOptions } from '@resumable/core'
import { crcThread } from '@resumable/store-fs'
import type { GetCommand } from './command-line.ts'

let checksums: ChecksumThread | undefined

/** One CRC thread per process, started only when a CRC is first asked of it. */
function sharedCrcThread(): ChecksumThread {
  checksums ??= crcThread()
  return checksums
}

/**
 * The per-object engine settings that `get` flags set, the same for one object and for a batch;
 * a batch leaves `--limit-rate` out (`limitRate: false`): it caps the whole batch instead.
 */
export function objectSettings(
  cmd: GetCommand,
  include: { readonly limitRate?: boolean } = {},
): Pick<
  DownloadOptions,
  | 'partSize'
  | 'retries'
  | 'maxBytesPerSecond'
  | 'stallTimeoutMs'
  | 'verify'
  | 'recheckResumedParts'
  | 'checksumThread'
> {
  return {
    ...(cmd.partSize === undefined ? {} : { partSize: cmd.partSize }),
    ...(cmd.retries === undefined ? {} : { retries: cmd.retries }),
    ...(cmd.limitRate === undefined || include.limitRate === false
      ? {}
      : { maxBytesPerSecond: cmd.limitRate }),
    ...(cmd.stallTimeoutSeconds === undefined
      ? {}
      : { stallTimeoutMs: cmd.stallTimeoutSeconds * 1000 }),
    verify: cmd.verify,
    recheckResumedParts: cmd.recheck,
    // The socket wire's reads and the CRC of what they read then share no thread (BENCHMARKS.md).
    ...(cmd.verify ? { checksumThread: sharedCrcThread() } : {}),
  }
}
