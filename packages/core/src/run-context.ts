import type { TransferState } from './checkpoint/transfer-state.ts'
import type { DownloadEvent } from './events.ts'
import type { ResolvedOptions } from './options.ts'
import type { ObjectInfo } from './ports.ts'
import type { ByteLimit } from './rate-limiter.ts'

/** Counters of one download run, reported in the result. */
export interface RunCounters {
  /** Bytes received from the network this run (including bytes later re-fetched). */
  fetchedBytes: number
  /** Retries made. */
  retries: number
  /** Retries made, by TransportError kind. */
  retriesByKind: Record<string, number>
  /** Parts being fetched right now. */
  inFlight: number
}

/** What a part fetch needs from the run that owns it. */
export interface RunContext {
  readonly options: ResolvedOptions
  readonly object: ObjectInfo
  readonly state: TransferState
  /** Aborted when the run must stop: pause, cancel, or another part's fatal error. */
  readonly signal: AbortSignal
  readonly limiter: ByteLimit | undefined
  readonly counters: RunCounters
  /**
   * Called when a response proved that the server honours `Range` (a 206 with the range asked
   * for), with the range's first byte.
   */
  readonly rangeHonoured?: (from: number) => void
  /** A whole-object answer vouched for the object's MD5 (`ReadResponse.md5`). */
  readonly vouchedMd5?: ((md5: string, source: string | undefined) => void) | undefined
  /** A response's head arrived `ms` after its request was sent. */
  readonly answered?: (ms: number) => void
  /**
   * Asked when a ranged read got the whole object (200): true when that is retried as a glitch of
   * something in between (a 206 of this run for a range past byte 0 proved ranges work; or one
   * at byte 0, and no other 200 came since), false when the download must go sequential as if
   * ranges had never worked.
   */
  readonly forgiveIgnoredRange?: () => boolean
  emit(event: DownloadEvent): void
  reportProgress(force?: boolean): void
}
