import { base64ToBytes } from '../base64.ts'
import { bytesToHex } from '../bytes.ts'
import type { Crc32Algorithm } from '../crc/algorithm.ts'
import type { ExpectedDigest } from '../digest.ts'
import type { ObjectChecksum, ObjectInfo, RestoreState } from '../ports.ts'
import { contentDispositionFileName } from './content-disposition.ts'
import type { ResponseHead } from './response-head.ts'

/**
 * Parses `x-oss-restore` / `x-amz-restore`: `ongoing-request="true"`, or
 * `ongoing-request="false", expiry-date="Sun, 16 Apr 2017 08:12:33 GMT"`.
 */
export function parseRestore(value: string | null | undefined): RestoreState | undefined {
  if (!value) return undefined
  const ongoing = /ongoing-request\s*=\s*"?(true|false)"?/i.exec(value)?.[1]
  if (ongoing === undefined) return undefined
  const expiry = /expiry-date\s*=\s*"([^"]+)"/i.exec(value)?.[1]
  const state = { ongoing: ongoing.toLowerCase() === 'true' }
  return expiry === undefined ? state : { ...state, expiry }
}

const MAX_U64 = (1n << 64n) - 1n

/** An unsigned 64-bit decimal (`x-oss-hash-crc64ecma`); anything else is ignored, not trusted. */
export function parseCrc64Decimal(value: string | null | undefined): bigint | undefined {
  const text = value?.trim()
  if (text === undefined || !/^\d{1,20}$/.test(text)) return undefined
  const n = BigInt(text)
  return n <= MAX_U64 ? n : undefined
}

/**
 * Whether S3's `x-amz-checksum-*` on this answer describe the whole object's bytes: not a
 * composite (of the parts' checksums, its value ending in `-<parts>`), nor one on a ranged answer
 * without a declared type.
 */
function describesWholeObject(head: ResponseHead, ranged: boolean): boolean {
  const type = head.header('x-amz-checksum-type')?.trim().toUpperCase()
  return type === undefined ? !ranged : type === 'FULL_OBJECT'
}

/** S3's full-object checksums, most preferred first, with their header and their size in bytes. */
const S3_CHECKSUMS = [
  { algorithm: 'crc64nvme', header: 'x-amz-checksum-crc64nvme', bytes: 8 },
  { algorithm: 'crc32c', header: 'x-amz-checksum-crc32c', bytes: 4 },
  { algorithm: 'crc32', header: 'x-amz-checksum-crc32', bytes: 4 },
] as const

/**
 * The whole-object CRC the store advertises, if any: OSS's CRC-64, S3's full-object CRC-64/NVME,
 * CRC-32C or CRC-32 (sent when the request asked with `x-amz-checksum-mode: ENABLED`), or Google
 * Cloud Storage's CRC-32C ({@link parseGoogleCrc32c}, checked against `size` when given).
 * `ranged`: the response is a 206.
 */
export function parseChecksum(
  head: ResponseHead,
  ranged: boolean,
  size?: number,
): ObjectChecksum | undefined {
  // OSS's "crc64ecma" is CRC-64/XZ and always covers the whole object, also on a 206.
  const xz = parseCrc64Decimal(head.header('x-oss-hash-crc64ecma'))
  if (xz !== undefined) return { algorithm: 'crc64xz', value: xz }
  if (describesWholeObject(head, ranged)) {
    for (const { algorithm, header, bytes } of S3_CHECKSUMS) {
      const text = head.header(header)?.trim()
      if (!text) continue
      const value = bigEndianFromBase64(text, bytes)
      // S3 keeps one checksum per object; a malformed one is ignored, not trusted.
      return value === undefined ? undefined : { algorithm, value }
    }
  }
  const google = parseGoogleCrc32c(head, size)
  return google === undefined ? undefined : { algorithm: 'crc32c', value: google }
}

/**
 * Google Cloud Storage's CRC-32C of an object: `x-goog-hash: crc32c=<base64 of 4 big-endian
 * bytes>`, sent beside `md5=<base64>` as a second `x-goog-hash` (the two joined with `, ` as HTTP
 * joins repeated fields), by its XML API, its S3-compatible API and its public URLs alike, and on
 * a ranged answer too: it is always the whole stored object's. It is the served bytes' only when
 * they are stored as served (`x-goog-stored-content-encoding` absent or `identity`): an object
 * stored gzip-compressed may be decompressed on the way (decompressive transcoding), and its hash
 * then describes other bytes, and so does one whose `x-goog-stored-content-length` is not the
 * `size` served. A malformed value is ignored, not trusted.
 */
export function parseGoogleCrc32c(head: ResponseHead, size?: number): bigint | undefined {
  const stored = head.header('x-goog-stored-content-encoding')?.trim().toLowerCase()
  if (stored !== undefined && stored !== 'identity') return undefined
  // Where a proxy dropped the encoding, a stored length other than the one served still tells.
  const storedLength = head.header('x-goog-stored-content-length')?.trim()
  if (size !== undefined && storedLength !== undefined && Number(storedLength) !== size)
    return undefined
  for (const field of head.header('x-goog-hash')?.split(',') ?? []) {
    const match = /^crc32c=(\S+)$/i.exec(field.trim())
    if (match) return bigEndianFromBase64(match[1] as string, 4)
  }
  return undefined
}

/** S3's full-object SHA digests, most preferred first, with their header and size in bytes. */
const S3_DIGESTS = [
  { algorithm: 'sha256', header: 'x-amz-checksum-sha256', bytes: 32 },
  { algorithm: 'sha1', header: 'x-amz-checksum-sha1', bytes: 20 },
] as const

/**
 * The SHA-256 or SHA-1 S3 keeps for an object uploaded in one part with that checksum algorithm
 * (`x-amz-checksum-type: FULL_OBJECT`, which every PutObject gets), sent when the request asked
 * with `x-amz-checksum-mode: ENABLED`. A multipart upload's SHA is `COMPOSITE` (a digest of the
 * parts' digests, ending in `-<parts>`) and is not the object's: ignored, as on a ranged response
 * without a declared type. Lower-case hex.
 */
export function parseStoreDigest(head: ResponseHead, ranged: boolean): ExpectedDigest | undefined {
  if (!describesWholeObject(head, ranged)) return undefined
  for (const { algorithm, header, bytes } of S3_DIGESTS) {
    const text = head.header(header)?.trim()
    if (!text) continue
    // S3 keeps one checksum per object; a malformed one is ignored, not trusted.
    const value = hexFromBase64(text, bytes)
    return value === undefined ? undefined : { algorithm, value }
  }
  return undefined
}

/** S3's `COMPOSITE` checksum of a multipart upload, as a HEAD of the whole object reports it. */
export interface CompositeChecksum {
  /** The CRC of the upload parts' CRCs; SHA composites need a second pass and are not read. */
  readonly algorithm: Crc32Algorithm
  readonly value: bigint
  /** How many parts the upload had: the `-<parts>` after the value. */
  readonly parts: number
}

/**
 * The composite CRC-32 or CRC-32C of an S3 multipart upload (`x-amz-checksum-type: COMPOSITE`,
 * value `<base64>-<parts>`), if the response carries one. It proves nothing until the parts'
 * sizes are known: HEADs with `partNumber` tell them, and the SDKs and CLIs upload parts of one
 * size but the last, which a transport checks on the first and last parts.
 */
export function compositeChecksum(head: ResponseHead): CompositeChecksum | undefined {
  if (head.header('x-amz-checksum-type')?.trim().toUpperCase() !== 'COMPOSITE') return undefined
  for (const algorithm of ['crc32c', 'crc32'] as const) {
    const match = /^([A-Za-z0-9+/]{6}==)-(\d{1,5})$/.exec(
      head.header(`x-amz-checksum-${algorithm}`)?.trim() ?? '',
    )
    if (!match) continue
    const value = bigEndianFromBase64(match[1] as string, 4)
    const parts = Number(match[2])
    // S3 allows 1 to 10,000 parts.
    if (value === undefined || parts < 1 || parts > 10_000) return undefined
    return { algorithm, value, parts }
  }
  return undefined
}

/** Lower-case hex of what `base64` encodes, when it is exactly `length` bytes. */
function hexFromBase64(base64: string, length: number): string | undefined {
  try {
    const raw = base64ToBytes(base64)
    return raw.length === length ? bytesToHex(raw) : undefined
  } catch {
    return undefined
  }
}

/** The base64 MD5 (16 bytes) in `header`, with the header's name as given. */
function md5Field(head: ResponseHead, header: string): RecordedMd5 | undefined {
  const text = head.header(header.toLowerCase())?.trim()
  const value = text ? hexFromBase64(text, 16) : undefined
  return value === undefined ? undefined : { value, header }
}

/** The unsigned big-endian integer `base64` encodes, when it is exactly `length` bytes. */
function bigEndianFromBase64(base64: string, length: number): bigint | undefined {
  try {
    const bytes = base64ToBytes(base64)
    if (bytes.length !== length) return undefined
    let value = 0n
    for (const b of bytes) value = (value << 8n) | BigInt(b)
    return value
  } catch {
    return undefined
  }
}

/** User metadata (`x-oss-meta-*`, `x-amz-meta-*`), keys without the prefix; needs `headerNames`. */
export function parseMetadata(head: ResponseHead): Record<string, string> | undefined {
  if (head.headerNames === undefined) return undefined
  let out: Record<string, string> | undefined
  for (const name of head.headerNames()) {
    const m = /^x-(?:oss|amz)-meta-(.+)$/.exec(name.toLowerCase())
    const value = m ? head.header(m[0]) : undefined
    if (m && value !== undefined) {
      out ??= {}
      out[m[1] as string] = value
    }
  }
  return out
}

/**
 * The MD5 an S3 ETag stands for: S3 makes a single-part upload's ETag the hex MD5 of its bytes,
 * except under SSE-KMS (`x-amz-server-side-encryption: aws:kms` or `aws:kms:dsse`) and SSE-C
 * (`x-amz-server-side-encryption-customer-algorithm`); a multipart ETag ends in `-<parts>`. A
 * weak ETag (`W/`) proves nothing. Lower-case hex, or undefined.
 */
export function md5FromS3Etag(head: ResponseHead): string | undefined {
  const etag = /^"([0-9a-fA-F]{32})"$/.exec(head.header('etag')?.trim() ?? '')
  if (!etag) return undefined
  const sse = head.header('x-amz-server-side-encryption')?.trim().toLowerCase()
  if (sse?.startsWith('aws:kms')) return undefined
  if (head.header('x-amz-server-side-encryption-customer-algorithm') !== undefined) return undefined
  return etag[1]?.toLowerCase()
}

/** An MD5 of the whole object found outside an S3 ETag, and the header that carried it. */
export interface RecordedMd5 {
  /** Lower-case hex. */
  readonly value: string
  /** The header it was read from (`x-amz-meta-md5chksum`, `Content-MD5`, `Digest`, …). */
  readonly header: string
}

/**
 * The whole-object MD5 an uploader recorded in the object's user metadata, where the ETag cannot
 * stand for one (a multipart upload, SSE-KMS, SSE-C): rclone's `x-amz-meta-md5chksum` (base64 of
 * the 16 bytes, written on its multipart uploads) or the `md5:` field of s3cmd's
 * `x-amz-meta-s3cmd-attrs` (`…/md5:<hex>/…`), except on an object s3cmd encrypted
 * (`x-amz-meta-s3tools-gpgenc`), whose record is the plaintext's. A malformed value is ignored.
 */
export function recordedMd5(head: ResponseHead): RecordedMd5 | undefined {
  const rclone = md5Field(head, 'x-amz-meta-md5chksum')
  if (rclone) return rclone
  if (head.header('x-amz-meta-s3tools-gpgenc') !== undefined) return undefined
  const header = 'x-amz-meta-s3cmd-attrs'
  const field = head
    .header(header)
    ?.split('/')
    .find((item) => item.startsWith('md5:'))
  const value = field === undefined ? undefined : /^md5:([0-9a-fA-F]{32})$/.exec(field.trim())
  return value ? { value: (value[1] as string).toLowerCase(), header } : undefined
}

/** The digests of no bytes at all, by which a HEAD's hash of its own empty body is known. */
const EMPTY_DIGESTS: ReadonlySet<string> = new Set([
  'd41d8cd98f00b204e9800998ecf8427e',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
])

/** `Repr-Digest` (RFC 9530) algorithms taken, strongest first; its others are deprecated. */
const REPR_DIGESTS = [
  ['sha-512', 'sha512', 64],
  ['sha-256', 'sha256', 32],
] as const

/** `Digest` (RFC 3230) algorithms taken, strongest first. */
const INSTANCE_DIGESTS = [
  ['sha-512', 'sha512', 64],
  ['sha-256', 'sha256', 32],
  ['sha', 'sha1', 20],
  ['md5', 'md5', 16],
] as const

/**
 * The whole-object digests a server sends in HTTP's own fields, strongest first, each with its
 * field as `source`: `Repr-Digest` (RFC 9530, `sha-256=:<base64>:`; the representation's, so a 206
 * carries the whole object's too) and, on an answer that is not ranged, the older `Digest` (RFC
 * 3230, `SHA-256=<base64>`). `Content-Digest` is left out: it describes the bytes of one answer.
 * Only for an object of `size` > 0 (0 is also the placeholder of an unknown length, and an
 * empty object has nothing to check), and never the digest of no bytes (a server hashing the
 * empty body of a HEAD). Malformed members are ignored, not trusted.
 */
export function parseHttpDigests(
  head: ResponseHead,
  ranged: boolean,
  size: number,
): ExpectedDigest[] {
  const found: ExpectedDigest[] = []
  if (!(size > 0)) return found
  const members = (field: string, pattern: RegExp): Map<string, string> => {
    const out = new Map<string, string>()
    for (const member of head.header(field)?.split(',') ?? []) {
      const match = pattern.exec(member.trim())
      if (match) out.set((match[1] as string).toLowerCase(), match[2] as string)
    }
    return out
  }
  const add = (
    source: string,
    table: typeof INSTANCE_DIGESTS | typeof REPR_DIGESTS,
    values: Map<string, string>,
  ) => {
    for (const [name, algorithm, bytes] of table) {
      const text = values.get(name)
      const value = text === undefined ? undefined : hexFromBase64(text, bytes)
      if (value !== undefined && !EMPTY_DIGESTS.has(value)) found.push({ algorithm, value, source })
    }
  }
  add(
    'Repr-Digest',
    REPR_DIGESTS,
    members('repr-digest', /^([A-Za-z0-9-]+)=:([A-Za-z0-9+/=]*):(?:;.*)?$/),
  )
  // RFC 3230 means the whole instance on a 206 too, but servers differ (RFC 9530 §1.3): not trusted there.
  if (!ranged)
    add('Digest', INSTANCE_DIGESTS, members('digest', /^([A-Za-z0-9-]+)=([A-Za-z0-9+/=]+)$/))
  return found
}

/**
 * The whole object's MD5 a server sends outside the ETag, with the field that carried it:
 * Azure Blob Storage's `x-ms-blob-content-md5` (the blob's MD5 on a ranged answer), `Content-MD5`
 * on an answer that is not ranged (RFC 1864: the body's, which a 206's is not; Azure sends the
 * blob's there on a HEAD), or an MD5 in `Digest` (not ranged). Base64 of 16 bytes; anything else,
 * and what {@link parseHttpDigests} would not take for an object of `size` bytes, is ignored.
 */
export function serverMd5(
  head: ResponseHead,
  ranged: boolean,
  size: number,
): RecordedMd5 | undefined {
  if (!(size > 0)) return undefined
  const fields = ranged ? ['x-ms-blob-content-md5'] : ['x-ms-blob-content-md5', 'Content-MD5']
  for (const header of fields) {
    const field = md5Field(head, header)
    if (field && !EMPTY_DIGESTS.has(field.value)) return field
  }
  const digest = parseHttpDigests(head, ranged, size).find((d) => d.algorithm === 'md5')
  return digest ? { value: digest.value, header: 'Digest' } : undefined
}

/** How the size was learned, which decides how far the other headers can be trusted. */
export interface ObjectHeadOptions {
  /** The answer is a 206 to a range probe. */
  readonly ranged: boolean
  /** Whether ranges are known to work; read from `Accept-Ranges` when omitted. */
  readonly acceptRanges?: boolean | undefined
  /**
   * The store is S3 (or speaks its API), so its ETag may be an MD5 ({@link md5FromS3Etag}), and
   * else an uploader may have recorded one in the metadata ({@link recordedMd5}).
   */
  readonly s3?: boolean
}

/**
 * ObjectInfo from a HEAD (or range-probe) response: ETag, Last-Modified, version, CRC, the
 * MD5 an S3 ETag stands for or an uploader recorded (with `s3`), a digest or MD5 the server sends
 * in HTTP's fields ({@link parseHttpDigests}, {@link serverMd5}), storage class, restore state,
 * content type, suggested file name, user metadata and accept-ranges, in the OSS (`x-oss-*`) or S3 (`x-amz-*`) flavour.
 *
 * @example
 * ```ts
 * const info = objectInfoFromHead(head, 1000, { ranged: false })
 * ```
 */
export function objectInfoFromHead(
  head: ResponseHead,
  size: number,
  options: ObjectHeadOptions,
): ObjectInfo {
  const etag = head.header('etag')
  const lastModified = head.header('last-modified')
  const versionId = head.header('x-oss-version-id') ?? head.header('x-amz-version-id')
  const checksum = parseChecksum(head, options.ranged, size)
  const etagMd5 = options.s3 ? md5FromS3Etag(head) : undefined
  const recorded =
    etagMd5 === undefined
      ? ((options.s3 ? recordedMd5(head) : undefined) ?? serverMd5(head, options.ranged, size))
      : undefined
  const md5 = etagMd5 ?? recorded?.value
  const digest = checksum
    ? undefined
    : (parseStoreDigest(head, options.ranged) ??
      parseHttpDigests(head, options.ranged, size).find((d) => d.algorithm !== 'md5'))
  const storageClass = head.header('x-oss-storage-class') ?? head.header('x-amz-storage-class')
  const restore = parseRestore(head.header('x-oss-restore') ?? head.header('x-amz-restore'))
  const contentType = head.header('content-type')
  const fileName = contentDispositionFileName(head.header('content-disposition'))
  const metadata = parseMetadata(head)
  let acceptRanges = options.acceptRanges
  if (acceptRanges === undefined) {
    const header = head.header('accept-ranges')?.trim().toLowerCase()
    if (header === 'none') acceptRanges = false
    else if (header === 'bytes') acceptRanges = true
  }
  return {
    size,
    ...(etag !== undefined ? { etag } : {}),
    ...(lastModified !== undefined ? { lastModified } : {}),
    ...(versionId !== undefined ? { versionId } : {}),
    ...(checksum ? { checksum } : {}),
    ...(md5 ? { md5 } : {}),
    ...(recorded ? { md5Source: recorded.header } : {}),
    ...(digest ? { digest } : {}),
    ...(storageClass !== undefined ? { storageClass } : {}),
    ...(restore ? { restore } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(fileName !== undefined ? { fileName } : {}),
    ...(metadata ? { metadata } : {}),
    ...(acceptRanges !== undefined ? { acceptRanges } : {}),
  }
}
