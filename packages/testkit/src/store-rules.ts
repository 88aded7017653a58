import type { StoredObject } from './oss-model.ts'

/** A refusal the mock answers with, as the store would. */
export interface Refusal {
  readonly status: number
  readonly code: string
  readonly message: string
}

/** The customer key an SSE-C object was stored with, both base64 (the mock never derives the MD5 itself). */
export interface SseCustomerKey {
  /** Base64 of the 32-byte key. */
  readonly key: string
  /** Base64 of the key's MD5, computed by the test with an MD5 the transport does not share. */
  readonly keyMd5: string
}

const SSE_ALGORITHM = 'x-amz-server-side-encryption-customer-algorithm'
const SSE_KEY = 'x-amz-server-side-encryption-customer-key'
const SSE_KEY_MD5 = 'x-amz-server-side-encryption-customer-key-md5'

/**
 * A requester-pays bucket refuses a request that does not accept the charge: no
 * `x-oss-request-payer: requester` / `x-amz-request-payer: requester` header (or query parameter,
 * for presigned URLs), or no signature at all — 403 AccessDenied, as OSS
 * (https://www.alibabacloud.com/help/doc-detail/126917.html) and S3
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ObjectsinRequesterPaysBuckets.html) do.
 * That the header was signed is checked by the signature check (every x-oss-* header is in the
 * OSS V4 canonical request; the SigV4 check refuses an unsigned x-amz-* header).
 */
export function requesterPaysRefusal(request: Request, url: URL): Refusal | undefined {
  const signed =
    request.headers.has('authorization') ||
    url.searchParams.has('x-oss-signature') ||
    url.searchParams.has('X-Amz-Signature') ||
    url.searchParams.has('Signature')
  const payer = (name: string): boolean =>
    (request.headers.get(name) ?? url.searchParams.get(name))?.toLowerCase() === 'requester'
  if (signed && (payer('x-oss-request-payer') || payer('x-amz-request-payer'))) return undefined
  return {
    status: 403,
    code: 'AccessDenied',
    message: signed
      ? 'Access denied: the bucket is requester pays and the request did not carry x-oss-request-payer: requester.'
      : 'Anonymous access is forbidden for this requester-pays bucket.',
  }
}

/**
 * SSE-C as S3 enforces it on GetObject/HeadObject
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html): an
 * object stored with a customer key needs all three headers (400 InvalidRequest without them), a
 * key-MD5 that matches the key (400 InvalidArgument), and the same key (403 AccessDenied for
 * another one, as S3 answers); an object stored without one refuses the headers (400 InvalidRequest).
 */
export function sseCustomerRefusal(request: Request, object: StoredObject): Refusal | undefined {
  const algorithm = request.headers.get(SSE_ALGORITHM)
  const key = request.headers.get(SSE_KEY)
  const keyMd5 = request.headers.get(SSE_KEY_MD5)
  const stored = object.sseCustomerKey
  if (stored === undefined) {
    if (algorithm === null && key === null && keyMd5 === null) return undefined
    return {
      status: 400,
      code: 'InvalidRequest',
      message: 'The encryption parameters are not applicable to this object.',
    }
  }
  if (algorithm === null || key === null || keyMd5 === null) {
    return {
      status: 400,
      code: 'InvalidRequest',
      message:
        'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    }
  }
  if (algorithm !== 'AES256') {
    return {
      status: 400,
      code: 'InvalidEncryptionAlgorithmError',
      message: 'The encryption request you specified is not valid. The valid value is AES256.',
    }
  }
  if (key !== stored.key) {
    return { status: 403, code: 'AccessDenied', message: 'Access Denied' }
  }
  if (keyMd5 !== stored.keyMd5) {
    return {
      status: 400,
      code: 'InvalidArgument',
      message: 'The calculated MD5 hash of the key did not match the hash that was provided.',
    }
  }
  return undefined
}

/** Response headers S3 adds for an SSE-C object: the algorithm and the key's MD5, never the key. */
export function sseResponseHeaders(object: StoredObject, headers: Headers): void {
  if (object.sseCustomerKey === undefined) return
  headers.set(SSE_ALGORITHM, 'AES256')
  headers.set(SSE_KEY_MD5, object.sseCustomerKey.keyMd5)
}
