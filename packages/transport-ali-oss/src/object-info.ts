import { type ObjectInfo, type RestoreState, TransportError } from '@resumable/core'
import { details } from './details.ts'
import { header, headersWithPrefix, integerHeader } from './headers.ts'

const MAX_U64 = (1n << 64n) - 1n

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Builds ObjectInfo from HeadObject response headers; `describe` names the call in errors. */
export function objectInfoFromHeaders(headers: object, describe: string): ObjectInfo {
  assertIdentityEncoding(headers, describe)
  const size = integerHeader(headers, 'content-length')
  if (size === undefined) {
    throw new TransportError(
      'protocol',
      `${describe}: the response has no valid Content-Length`,
      details({
        requestId: header(headers, 'x-oss-request-id'),
      }),
    )
  }
  const info: Mutable<ObjectInfo> = { size }
  const etag = header(headers, 'etag')
  if (etag !== undefined) info.etag = etag
  const lastModified = header(headers, 'last-modified')
  if (lastModified !== undefined) info.lastModified = lastModified
  const versionId = header(headers, 'x-oss-version-id')
  if (versionId !== undefined) info.versionId = versionId
  const crc = parseCrc64(header(headers, 'x-oss-hash-crc64ecma'))
  // OSS's "crc64ecma" is CRC-64/XZ (ECMA-182 polynomial, reflected, all-ones init and xorout).
  if (crc !== undefined) info.checksum = { algorithm: 'crc64xz', value: crc }
  const storageClass = header(headers, 'x-oss-storage-class')
  if (storageClass !== undefined) info.storageClass = storageClass
  const restore = parseRestore(header(headers, 'x-oss-restore'))
  if (restore !== undefined) info.restore = restore
  const contentType = header(headers, 'content-type')
  if (contentType !== undefined) info.contentType = contentType
  const metadata = headersWithPrefix(headers, 'x-oss-meta-')
  if (metadata !== undefined) info.metadata = metadata
  const acceptRanges = header(headers, 'accept-ranges')?.trim().toLowerCase()
  if (acceptRanges === 'bytes') info.acceptRanges = true
  else if (acceptRanges === 'none') info.acceptRanges = false
  return info
}

/**
 * OSS gzips text objects when allowed and then drops ETag and Content-Length; we always send
 * `Accept-Encoding: identity`, so an encoded response means something in between rewrote it.
 */
export function assertIdentityEncoding(headers: object, describe: string): void {
  const encoding = header(headers, 'content-encoding')?.trim().toLowerCase()
  if (encoding === undefined || encoding === '' || encoding === 'identity') return
  throw new TransportError(
    'protocol',
    `${describe}: the response is ${encoding}-encoded although Accept-Encoding: identity was sent ` +
      '(a proxy or CDN in between may be compressing it); its bytes cannot be written at offsets',
    details({ retryable: false, requestId: header(headers, 'x-oss-request-id') }),
  )
}

/** `x-oss-hash-crc64ecma` is an unsigned 64-bit decimal; anything else is ignored, not trusted. */
export function parseCrc64(value: string | undefined): bigint | undefined {
  const text = value?.trim()
  if (text === undefined || !/^\d{1,20}$/.test(text)) return undefined
  const n = BigInt(text)
  return n <= MAX_U64 ? n : undefined
}

/** `ongoing-request="true"` or `ongoing-request="false", expiry-date="Sun, 16 Apr 2017 08:12:33 GMT"`. */
export function parseRestore(value: string | undefined): RestoreState | undefined {
  if (value === undefined) return undefined
  const ongoing = /ongoing-request\s*=\s*"?(true|false)"?/i.exec(value)?.[1]
  if (ongoing === undefined) return undefined
  const expiry = /expiry-date\s*=\s*"([^"]+)"/i.exec(value)?.[1]
  return expiry === undefined
    ? { ongoing: ongoing.toLowerCase() === 'true' }
    : { ongoing: ongoing.toLowerCase() === 'true', expiry }
}
