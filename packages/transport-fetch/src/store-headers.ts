import { base64ToBytes, bytesToBase64, OptionsError } from '@resumable/core'
import { md5 } from './md5.ts'

/** Fixed headers a mode adds to every request (before signing), and the values to mask in messages. */
export interface StoreHeaders {
  /** Sent on HEAD and GET. */
  readonly always: readonly (readonly [string, string])[]
  /** Sent on GET only. */
  readonly readOnly: readonly (readonly [string, string])[]
  /** Header values that are secrets (the SSE-C key). */
  readonly secrets: readonly string[]
}

/** Sets the mode's fixed headers for one request. */
export function applyStoreHeaders(
  fixed: StoreHeaders,
  method: 'GET' | 'HEAD',
  headers: Headers,
): void {
  for (const [name, value] of fixed.always) headers.set(name, value)
  if (method === 'GET') for (const [name, value] of fixed.readOnly) headers.set(name, value)
}

/**
 * `x-oss-request-payer` / `x-amz-request-payer: requester`: a requester-pays bucket refuses signed
 * requests without it (OSS: "requesters must specify the x-oss-request-payer:requester header in
 * the POST, GET, or HEAD requests", https://www.alibabacloud.com/help/doc-detail/126917.html;
 * S3: "For DELETE, GET, HEAD, POST, and PUT requests, include x-amz-request-payer : requester",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ObjectsinRequesterPaysBuckets.html).
 * Both must be signed: OSS V4 signs every x-oss-* header, our SigV4 signs every header it sends.
 * Anonymous requests cannot pay, so OSS rejects them on such buckets: refuse the combination here.
 */
export function requestPayerHeader(
  flavor: 'oss' | 's3',
  requestPayer: boolean | undefined,
  anonymous: boolean,
): [string, string][] {
  if (requestPayer === undefined || requestPayer === false) return []
  if (requestPayer !== true) throw new OptionsError('requestPayer', 'must be true or false')
  if (anonymous) {
    throw new OptionsError(
      'requestPayer',
      'needs signed requests: a requester-pays bucket refuses anonymous access',
    )
  }
  return [[flavor === 'oss' ? 'x-oss-request-payer' : 'x-amz-request-payer', 'requester']]
}

/** The lowest `x-oss-traffic-limit` OSS accepts, in bit/s (100 KB/s). */
export const OSS_TRAFFIC_LIMIT_MIN = 819_200
/** The highest `x-oss-traffic-limit` OSS accepts, in bit/s (100 MB/s). */
export const OSS_TRAFFIC_LIMIT_MAX = 838_860_800

/**
 * `x-oss-traffic-limit`, OSS's per-connection bandwidth cap in bit/s, on GetObject; OSS takes
 * 819200–838860800 and refuses anything else with 400
 * (https://alibabacloud.com/help/doc-detail/124583.html). Same name and range as transport-ali-oss.
 */
export function trafficLimitHeader(trafficLimit: number | undefined): [string, string][] {
  if (trafficLimit === undefined) return []
  if (
    !Number.isSafeInteger(trafficLimit) ||
    trafficLimit < OSS_TRAFFIC_LIMIT_MIN ||
    trafficLimit > OSS_TRAFFIC_LIMIT_MAX
  ) {
    throw new OptionsError(
      'trafficLimit',
      `must be an integer number of bit/s between ${OSS_TRAFFIC_LIMIT_MIN} and ${OSS_TRAFFIC_LIMIT_MAX}, got ${String(trafficLimit)}`,
    )
  }
  return [['x-oss-traffic-limit', String(trafficLimit)]]
}

/**
 * SSE-C: the three headers GetObject and HeadObject need for an object stored with a customer key
 * — `x-amz-server-side-encryption-customer-algorithm: AES256`, `-key` (base64 of the 256-bit key)
 * and `-key-MD5` (base64 of the RFC 1321 MD5 of the raw key), per
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html.
 * `key` is the raw 32 bytes or their base64. The key is returned as a secret to mask in messages.
 */
export function sseCustomerHeaders(key: Uint8Array | string | undefined): {
  headers: [string, string][]
  secrets: string[]
} {
  if (key === undefined) return { headers: [], secrets: [] }
  let raw: Uint8Array
  if (typeof key === 'string') {
    try {
      raw = base64ToBytes(key.trim())
    } catch {
      // Never echo the value: it is the key.
      throw new OptionsError('sseCustomerKey', 'is not valid base64')
    }
  } else if (key instanceof Uint8Array) {
    raw = key
  } else {
    throw new OptionsError('sseCustomerKey', 'must be 32 bytes or their base64')
  }
  if (raw.length !== 32) {
    throw new OptionsError(
      'sseCustomerKey',
      `must be a 256-bit key (32 bytes), got ${raw.length} bytes`,
    )
  }
  const encoded = bytesToBase64(raw)
  return {
    headers: [
      ['x-amz-server-side-encryption-customer-algorithm', 'AES256'],
      ['x-amz-server-side-encryption-customer-key', encoded],
      ['x-amz-server-side-encryption-customer-key-MD5', bytesToBase64(md5(raw))],
    ],
    secrets: [encoded],
  }
}
