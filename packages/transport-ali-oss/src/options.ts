import { OptionsError } from '@resumable/core'
import type { AliOssClient } from './types.ts'

/** What `aliOssTransport` accepts besides the client and the key. */
export interface AliOssTransportOptions {
  /** Version to download on a versioned bucket. @default the current version, pinned by `stat` */
  readonly versionId?: string
  /**
   * OSS's server-side per-connection bandwidth cap (`x-oss-traffic-limit`) in **bit/s**,
   * 819200 (100 KB/s) to 838860800 (100 MB/s); it applies to each part's connection.
   */
  readonly trafficLimit?: number
  /**
   * Send `x-oss-request-payer: requester` on HEAD and GET: you accept the charges of a
   * pay-by-requester bucket, which refuses requests without it
   * (https://www.alibabacloud.com/help/doc-detail/126917.html). ali-oss signs it with every other x-oss-* header.
   * @default false
   */
  readonly requestPayer?: boolean
  /**
   * Milliseconds each HEAD or GET may take until its response headers arrive; passed to ali-oss
   * as its per-request `timeout`. ali-oss (urllib 2) stops its timers once headers arrive, so the
   * body of a large part is never cut by it: core's `stallTimeoutMs` watches the body instead.
   * @default the client's `timeout` (ali-oss: 60000)
   */
  readonly timeout?: number
  /** The bucket has real-time access of Archive objects: read unrestored Archive objects. @default false */
  readonly archiveDirectRead?: boolean
  /** Receives configuration warnings (e.g. the client's `retryMax` > 0). @default console.warn */
  readonly onWarning?: (message: string) => void
}

/** The lowest `x-oss-traffic-limit` OSS accepts, in bit/s (100 KB/s). */
export const TRAFFIC_LIMIT_MIN = 819_200
/** The highest `x-oss-traffic-limit` OSS accepts, in bit/s (100 MB/s). */
export const TRAFFIC_LIMIT_MAX = 838_860_800

/** Throws OptionsError for a client that is not an ali-oss client or a key that is no key. */
export function checkClientAndKey(client: AliOssClient, key: string): void {
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.head !== 'function' ||
    typeof client.getStream !== 'function'
  ) {
    throw new OptionsError('client', 'expected an ali-oss client (new OSS({ … }))')
  }
  if (typeof key !== 'string' || key.replace(/^\/+/, '') === '') {
    throw new OptionsError('key', 'expected a non-empty object key')
  }
}

/** Throws OptionsError for a malformed option. */
export function checkOptions(options: AliOssTransportOptions): void {
  const { versionId, trafficLimit, timeout, onWarning, requestPayer } = options
  if (requestPayer !== undefined && typeof requestPayer !== 'boolean') {
    throw new OptionsError('requestPayer', 'must be true or false')
  }
  if (versionId !== undefined && (typeof versionId !== 'string' || versionId === '')) {
    throw new OptionsError('versionId', 'expected a non-empty string')
  }
  if (
    trafficLimit !== undefined &&
    (!Number.isSafeInteger(trafficLimit) ||
      trafficLimit < TRAFFIC_LIMIT_MIN ||
      trafficLimit > TRAFFIC_LIMIT_MAX)
  ) {
    throw new OptionsError(
      'trafficLimit',
      `must be an integer number of bit/s between ${TRAFFIC_LIMIT_MIN} and ${TRAFFIC_LIMIT_MAX}, got ${String(trafficLimit)}`,
    )
  }
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout <= 0)) {
    throw new OptionsError(
      'timeout',
      `must be a positive integer of milliseconds, got ${String(timeout)}`,
    )
  }
  if (onWarning !== undefined && typeof onWarning !== 'function') {
    throw new OptionsError('onWarning', 'expected a function')
  }
}
