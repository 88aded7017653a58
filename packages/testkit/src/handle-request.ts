import { bytesToBase64 } from '@resumable/core'
import { bodyStream } from './body-stream.ts'
import { checkSignature } from './check-signature.ts'
import { requestDialect, type StoreDialect } from './dialect.ts'
import { isListObjectsV2, listObjectsV2, S3_STORAGE_CLASSES } from './list-objects.ts'
import { ossError } from './oss-error.ts'
import type { MockOss, StoredObject } from './oss-model.ts'
import { parseRange } from './parse-range.ts'
import { S3_ERRORS, s3Error, s3HostId } from './s3-error.ts'
import { countRequest } from './served-counters.ts'
import { sourceCrc } from './source/object-source.ts'
import { sourceSha } from './source/source-sha.ts'
import { requesterPaysRefusal, sseCustomerRefusal, sseResponseHeaders } from './store-rules.ts'
import { storedComposite, uploadPartRange } from './upload-parts.ts'

const SIGNATURE_MESSAGES = {
  AccessDenied: 'You have no right to access this object because of bucket acl.',
  InvalidAccessKeyId: 'The OSS Access Key Id you provided does not exist in our records.',
  InvalidSecurityToken: 'The security token you provided is invalid.',
  SignatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided.',
} as const

const GZIP_TYPES = new Set([
  'text/plain',
  'text/html',
  'text/css',
  'text/xml',
  'application/json',
  'application/javascript',
])

/** Where a request points: bucket and key, virtual-hosted (`bucket.host/key`) or path-style (`host/bucket/key`). */
export function locate(oss: MockOss, url: URL): { bucket: string; key: string } {
  const path = decodeURIComponent(url.pathname.slice(1))
  const cname = oss.cnameBucket(url.hostname)
  if (cname !== undefined) return { bucket: cname, key: path }
  const label = url.hostname.split('.')[0] ?? ''
  const virtual =
    url.hostname.includes('.') && !/^\d+(\.\d+){3}$/.test(url.hostname) && oss.hasBucket(label)
  if (virtual) return { bucket: label, key: path }
  const slash = path.indexOf('/')
  return slash < 0
    ? { bucket: path, key: '' }
    : { bucket: path.slice(0, slash), key: path.slice(slash + 1) }
}

/**
 * Answers one HeadObject, GetObject or ListObjectsV2 (`list-objects.ts`) as OSS does, or as S3
 * does in S3's dialect (`dialect.ts`): Range (with and without
 * `x-oss-range-behavior: standard`), conditional headers, versions, archive state, the gzip trap,
 * XML errors (base64 in `x-oss-err` for HEAD), and whatever fault the plan injects.
 */
export async function handleOssRequest(oss: MockOss, request: Request): Promise<Response> {
  const url = new URL(request.url)
  const { bucket, key } = locate(oss, url)
  const method = request.method.toUpperCase()
  const rangeHeader = request.headers.get('range')
  const fault = oss.faults.pick(method, key, rangeHeader !== null)
  if (fault?.type === 'mutate') fault.mutate()
  if (fault?.type === 'replace') oss.putObject(bucket, key, fault.object)
  if (fault?.type === 'delay-headers') await delay(fault.ms, request.signal)
  const response = await answer(oss, request, method, url, bucket, key, rangeHeader, fault)
  countRequest(oss.served, {
    method,
    url: request.url,
    bucket,
    key,
    range: rangeHeader,
    headers: Object.fromEntries(request.headers),
    status: response.status,
    fault: fault?.type,
  })
  return response
}

async function answer(
  oss: MockOss,
  request: Request,
  method: string,
  url: URL,
  bucket: string,
  key: string,
  rangeHeader: string | null,
  fault: ReturnType<MockOss['faults']['pick']>,
): Promise<Response> {
  const requestId = oss.nextRequestId()
  const dialect = requestDialect(oss.dialect, request)
  const s3 = dialect === 's3'
  // An injected fault's code and message are the test's: sent as given, in the dialect's envelope.
  const raw = (
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
    details: readonly (readonly [string, string])[] = [],
  ): Response =>
    s3
      ? s3Error(method, status, code, message, requestId, s3HostId(requestId), headers, details)
      : ossError(method, status, code, message, requestId, url.host, headers, details)
  // The mock's own refusals: OSS's wording, or S3's status, code and wording for the same case.
  const fail = (
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
    details: readonly (readonly [string, string])[] = [],
  ): Response => {
    const s3Form = s3 ? S3_ERRORS[code] : undefined
    return s3Form
      ? raw(s3Form.status ?? status, s3Form.code ?? code, s3Form.message, headers, details)
      : raw(status, code, message, headers, details)
  }
  if (method !== 'GET' && method !== 'HEAD')
    return fail(405, 'MethodNotAllowed', 'The specified method is not allowed.')
  if (oss.credentials) {
    const refused = await checkSignature(request, bucket, key, oss.credentials, oss.now)
    if (refused) return fail(403, refused, SIGNATURE_MESSAGES[refused])
  }
  if (oss.isRequesterPays(bucket)) {
    const refusal = requesterPaysRefusal(request, url)
    if (refusal) return fail(refusal.status, refusal.code, refusal.message)
  }
  if (fault?.type === 'status') {
    const retry: Record<string, string> =
      fault.retryAfterSeconds === undefined
        ? {}
        : { 'retry-after': String(fault.retryAfterSeconds) }
    return raw(fault.status, fault.code, `Injected ${fault.code}`, retry)
  }
  if (fault?.type === 'error') {
    return raw(fault.status, fault.code, fault.message ?? `Injected ${fault.code}`, {
      ...fault.headers,
    })
  }
  if (isListObjectsV2(method, key, url)) {
    const listed = listObjectsV2(oss, bucket, url, dialect, requestId)
    if (!(listed instanceof Response))
      return fail(listed.status, listed.code, listed.message, {}, s3 ? listed.details : [])
    if (s3) listed.headers.set('x-amz-id-2', s3HostId(requestId))
    return listed
  }
  const versionId = url.searchParams.get('versionId') ?? undefined
  const found = oss.getObject(bucket, key, versionId)
  if (found === 'no-bucket')
    return fail(
      404,
      'NoSuchBucket',
      'The specified bucket does not exist.',
      {},
      s3 ? [['BucketName', bucket]] : [],
    )
  if (!found || found.deleteMarker)
    return fail(404, 'NoSuchKey', 'The specified key does not exist.', {}, s3 ? [['Key', key]] : [])
  const object = found
  const size = object.source.size
  const sseRefusal = sseCustomerRefusal(request, object)
  if (sseRefusal) return fail(sseRefusal.status, sseRefusal.code, sseRefusal.message)

  const ifMatch = request.headers.get('if-match')
  if (ifMatch !== null && ifMatch !== object.etag && ifMatch !== '*') {
    return fail(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold.',
      {},
      s3 ? [['Condition', 'If-Match']] : [],
    )
  }
  const ifNoneMatch = request.headers.get('if-none-match')
  if (ifNoneMatch !== null && ifNoneMatch === object.etag)
    return new Response(null, { status: 304 })
  const ifUnmodified = request.headers.get('if-unmodified-since')
  if (ifUnmodified !== null && object.lastModified.getTime() > Date.parse(ifUnmodified)) {
    return fail(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold.',
      {},
      s3 ? [['Condition', 'If-Unmodified-Since']] : [],
    )
  }
  const archived = object.storageClass !== 'Standard' && object.storageClass !== 'IA'
  if (method === 'GET' && archived && object.restore !== 'done') {
    return fail(403, 'InvalidObjectState', "The operation is not valid for the object's state")
  }

  const headers = objectHeaders(
    object,
    requestId,
    fault?.type === 'wrong-crc',
    checksumStyle(dialect, request),
  )
  sseResponseHeaders(object, headers)
  // Only OSS compresses on its own; S3 serves the bytes as stored.
  const gzip =
    fault?.type === 'gzip' ||
    (!s3 &&
      (request.headers.get('accept-encoding') ?? '').includes('gzip') &&
      GZIP_TYPES.has(object.contentType) &&
      size >= 1024)
  if (gzip) {
    // OSS compresses text objects for clients that allow it, and then drops these three headers.
    headers.delete('etag')
    headers.delete('accept-ranges')
    headers.set('content-encoding', 'gzip')
    if (method === 'HEAD') return new Response(null, { status: 200, headers })
    const gzipper = new CompressionStream('gzip') as unknown as ReadableWritablePair<
      Uint8Array,
      Uint8Array
    >
    const body = bodyStream(object.source, 0, size - 1, undefined, oss.served).pipeThrough(gzipper)
    return new Response(body as ReadableStream<Uint8Array>, { status: 200, headers })
  }

  // S3 always reads a range as OSS does with `x-oss-range-behavior: standard`.
  const standard = s3 || request.headers.get('x-oss-range-behavior') === 'standard'
  const range =
    fault?.type === 'ignore-range' || fault?.type === 'whole-body'
      ? ({ kind: 'none' } as const)
      : parseRange(rangeHeader, size, standard)
  if (range.kind === 'unsatisfiable') {
    // S3 names the range and the object's size in its InvalidRange body; OSS documents neither.
    const details: readonly (readonly [string, string])[] = s3
      ? [
          ['RangeRequested', rangeHeader ?? ''],
          ['ActualObjectSize', String(size)],
        ]
      : []
    return fail(416, 'InvalidRange', 'The requested range cannot be satisfied', {}, details)
  }
  let [start, end, status] =
    range.kind === 'ok' ? [range.start, range.end, 206] : [0, size - 1, 200]
  const partNumber = url.searchParams.get('partNumber')
  if (partNumber !== null) {
    // S3's part of a multipart upload, which a client asks for to learn the parts' size.
    const part = uploadPartRange(object, Number(partNumber))
    if (!part) return fail(416, 'InvalidPartNumber', 'The requested partnumber is not satisfiable')
    ;[start, end, status] = [part.start, part.end, 206]
    if (object.s3Checksum.partSize !== undefined)
      headers.set('x-amz-mp-parts-count', String(object.s3Checksum.parts))
  }
  if (fault?.type === 'ignore-range')
    for (const [name, value] of Object.entries(fault.headers ?? {})) headers.set(name, value)
  headers.set('content-length', String(end - start + 1))
  // `wrong-range` declares a range one byte off the one served, as a buggy proxy might.
  const shown = fault?.type === 'wrong-range' ? `${start + 1}-${end + 1}` : `${start}-${end}`
  if (status === 206) {
    headers.set('content-range', `bytes ${shown}/${size}`)
    // S3 returns an object checksum on whole-object answers only.
    for (const name of [...headers.keys()])
      if (name.startsWith('x-amz-checksum-')) headers.delete(name)
  }
  // S3 answers a HEAD of one part as it answers its GET: 206.
  if (method === 'HEAD')
    return new Response(null, { status: partNumber === null ? 200 : status, headers })
  const body = bodyStream(object.source, start, end, fault, oss.served, request.signal)
  return new Response(body, { status, headers })
}

/**
 * How an object's checksum is published: a request in S3's dialect is answered as S3
 * does — no `x-oss-hash-crc64ecma`, and with `x-amz-checksum-mode: ENABLED` the object's
 * checksum in `x-amz-checksum-<algorithm>` (base64, big-endian) with its `x-amz-checksum-type` —
 * every other request as OSS does.
 */
type ChecksumStyle = 'oss' | 's3' | 's3-enabled'

function checksumStyle(dialect: StoreDialect, request: Request): ChecksumStyle {
  if (dialect === 'oss') return 'oss'
  const mode = request.headers.get('x-amz-checksum-mode')?.trim().toUpperCase()
  return mode === 'ENABLED' ? 's3-enabled' : 's3'
}

/** `value` as `bytes` big-endian bytes, base64-encoded, as S3 sends its checksums. */
function base64BigEndian(value: bigint, bytes: number): string {
  let text = ''
  for (let shift = BigInt(8 * (bytes - 1)); shift >= 0n; shift -= 8n)
    text += String.fromCharCode(Number((value >> shift) & 0xffn))
  return btoa(text)
}

/** The `x-amz-checksum-*` headers S3 sends for `object`. */
function setS3Checksum(headers: Headers, object: StoredObject, wrongCrc: boolean): void {
  const { algorithm, type, parts, partSize } = object.s3Checksum
  if (algorithm === 'sha256' || algorithm === 'sha1') {
    // A composite SHA (of the parts' SHAs) is any value of the right shape here: a client must
    // not take it for the object's.
    const digest = new Uint8Array(sourceSha(object.source, algorithm))
    if (wrongCrc) digest[0] = (digest[0] as number) ^ 1
    const text = bytesToBase64(digest)
    headers.set(`x-amz-checksum-${algorithm}`, type === 'COMPOSITE' ? `${text}-${parts}` : text)
    headers.set('x-amz-checksum-type', type)
    return
  }
  const bytes = algorithm === 'crc64nvme' ? 8 : 4
  // A composite checksum is the CRC of the parts' CRCs: computed for real when the object was
  // stored in parts, else any value of the right shape stands for it (a client must not take it
  // for the whole object's).
  const value =
    type === 'COMPOSITE' && partSize !== undefined
      ? storedComposite(object, algorithm)
      : sourceCrc(object.source, algorithm)
  const text = base64BigEndian(wrongCrc ? value ^ 1n : value, bytes)
  headers.set(`x-amz-checksum-${algorithm}`, type === 'COMPOSITE' ? `${text}-${parts}` : text)
  headers.set('x-amz-checksum-type', type)
}

function objectHeaders(
  object: StoredObject,
  requestId: string,
  wrongCrc: boolean,
  style: ChecksumStyle,
): Headers {
  const oss = style === 'oss'
  // S3 names its headers x-amz-*, has no object type, and leaves out the STANDARD storage class
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
  const prefix = oss ? 'x-oss-' : 'x-amz-'
  const headers = new Headers({
    'accept-ranges': 'bytes',
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'content-type': object.contentType,
  })
  if (oss) {
    headers.set('x-oss-request-id', requestId)
    headers.set('x-oss-object-type', object.objectType)
    headers.set('x-oss-storage-class', object.storageClass)
  } else {
    headers.set('x-amz-request-id', requestId)
    headers.set('x-amz-id-2', s3HostId(requestId))
    const storageClass = S3_STORAGE_CLASSES[object.storageClass]
    if (storageClass !== 'STANDARD') headers.set('x-amz-storage-class', storageClass)
  }
  if (object.crc64 !== undefined && style === 'oss') {
    headers.set('x-oss-hash-crc64ecma', (wrongCrc ? object.crc64 ^ 1n : object.crc64).toString())
  }
  if (object.crc64 !== undefined && style === 's3-enabled') setS3Checksum(headers, object, wrongCrc)
  if (object.versionId !== undefined) headers.set(`${prefix}version-id`, object.versionId)
  if (object.restore === 'ongoing') headers.set(`${prefix}restore`, 'ongoing-request="true"')
  if (object.restore === 'done') {
    headers.set(
      `${prefix}restore`,
      `ongoing-request="false", expiry-date="${object.restoreExpiry.toUTCString()}"`,
    )
  }
  // S3 sends user metadata under its own prefix; OSS's S3 API does too.
  const meta = `${prefix}meta-`
  for (const [name, value] of Object.entries(object.metadata)) headers.set(`${meta}${name}`, value)
  return headers
}

/** Waits `ms`, or until the client gives up on the request. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
}
