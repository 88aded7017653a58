import { base64ToBytes, bytesToBase64, Md5, OptionsError } from '@resumable/core'
import type { HeaderFields } from './request-headers.ts'

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
  headers: HeaderFields,
): void {
  for (const [name, value] of fixed.always) headers.set(name, value)
  if (method === 'GET') for (const [name, value] of fixed.readOnly) headers.set(name, value)
}

const PAYER_HEADER = { oss: 'x-oss-request-payer', s3: 'x-amz-request-payer' } as const

/** `requestPayer` as given (`undefined` is false); anything but a boolean is an OptionsError. */
export function checkRequestPayer(requestPayer: unknown): boolean {
  if (requestPayer === undefined) return false
  if (typeof requestPayer !== 'boolean')
    throw new OptionsError('requestPayer', 'must be true or false')
  return requestPayer
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
  if (!checkRequestPayer(requestPayer)) return []
  if (anonymous) {
    throw new OptionsError(
      'requestPayer',
      'needs signed requests: a requester-pays bucket refuses anonymous access',
    )
  }
  return [[PAYER_HEADER[flavor], 'requester']]
}

/**
 * The store a presigned URL was signed for, told by its query: `X-Amz-*` (SigV4 query auth) is S3;
 * `x-oss-*` (OSS V4) or `OSSAccessKeyId` (OSS V1) is OSS. Undefined for anything else.
 */
export function presignedUrlVendor(query: URLSearchParams): 'oss' | 's3' | undefined {
  const names = [...query.keys()].map((name) => name.toLowerCase())
  if (names.some((name) => name.startsWith('x-amz-'))) return 's3'
  if (names.some((name) => name.startsWith('x-oss-') || name === 'ossaccesskeyid')) return 'oss'
  return undefined
}

/**
 * The request-payer header a presigned URL needs on every request.
 *
 * - The URL already carries `x-amz-request-payer=requester` / `x-oss-request-payer=requester` in
 *   its query: nothing. That is how a signed URL accepts the charge (S3: "For signed URLs, include
 *   x-amz-request-payer=requester in the request", "Downloading objects from Requester Pays
 *   buckets"; OSS: "append x-oss-request-payer=requester as a query parameter in the URL", error
 *   0003-00000702), and a header the signature did not cover would break it.
 * - Its signature lists the header (`X-Amz-SignedHeaders` for S3, `x-oss-additional-headers` for
 *   OSS V4): the header, with or without `requestPayer`, since a listed header must be sent (OSS
 *   errors 0002-00000428 and 0002-00000077: a listed header absent from the request is refused).
 * - Otherwise `requestPayer: true` sends `x-oss-request-payer` for an OSS URL presigned with it as
 *   a header the URL cannot show: OSS signs every `x-oss-*` header without listing it
 *   (`AdditionalHeaders` names only the optional ones, "Include a V4 signature in the
 *   Authorization header"; V1 signs all of them as CanonicalizedOSSHeaders). An S3 URL is refused:
 *   it lists every signed `x-amz-*` header, so one it does not list would be refused by S3. A URL
 *   whose store cannot be told is refused rather than guessed at.
 */
export function presignedRequestPayerHeader(
  url: URL,
  requestPayer: boolean | undefined,
): [string, string][] {
  const paying = checkRequestPayer(requestPayer)
  const query = url.searchParams
  const inQuery = (name: string): boolean => query.get(name)?.toLowerCase() === 'requester'
  if (inQuery(PAYER_HEADER.s3) || inQuery(PAYER_HEADER.oss)) return []
  const listed = (param: string, header: string): boolean =>
    (query.get(param) ?? '').toLowerCase().split(';').includes(header)
  if (listed('X-Amz-SignedHeaders', PAYER_HEADER.s3)) return [[PAYER_HEADER.s3, 'requester']]
  if (listed('x-oss-additional-headers', PAYER_HEADER.oss)) return [[PAYER_HEADER.oss, 'requester']]
  if (!paying) return []
  const vendor = presignedUrlVendor(query)
  if (vendor === undefined) {
    throw new OptionsError(
      'requestPayer',
      'needs an S3 or OSS presigned URL (X-Amz-*, x-oss-* or OSSAccessKeyId in its query): for any other URL it cannot tell x-amz-request-payer from x-oss-request-payer',
    )
  }
  // SigV4 query auth: every x-amz-* header sent must be in X-Amz-SignedHeaders; S3 answers an
  // unsigned one with 403 "There were headers present in the request which were not signed".
  if (vendor === 's3') {
    throw new OptionsError(
      'requestPayer',
      'cannot be added to this S3 presigned URL: it was not signed for requester pays (no x-amz-request-payer in X-Amz-SignedHeaders or in its query); presign it with the request payer',
    )
  }
  return [[PAYER_HEADER[vendor], 'requester']]
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
      [
        'x-amz-server-side-encryption-customer-key-MD5',
        bytesToBase64(new Md5().update(raw).digest()),
      ],
    ],
    secrets: [encoded],
  }
}
