import type { StoreDialect } from './dialect.ts'
import type { MockOss, StorageClass, StoredObject } from './oss-model.ts'

// ListObjectsV2 as OSS and S3 answer it. Element names and parameters follow:
// - OSS: "ListObjectsV2 (GetBucketV2)", https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectsv2
//   (GET /?list-type=2; prefix, delimiter, continuation-token, start-after, max-keys default 100
//   and at most 1000, encoding-type=url, fetch-owner; response ListBucketResult with Name, Prefix,
//   StartAfter, MaxKeys, Delimiter, EncodingType, IsTruncated, ContinuationToken,
//   NextContinuationToken, KeyCount, Contents{Key, LastModified, ETag, Type, Size, StorageClass,
//   Owner{ID, DisplayName}} and CommonPrefixes{Prefix}; no XML namespace).
// - S3: ListObjectsV2, https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
//   (the same shape in xmlns="http://s3.amazonaws.com/doc/2006-03-01/", MaxKeys default 1000,
//   Contents without Type, S3 storage-class names). With encoding-type=url both encode Key,
//   Prefix, Delimiter and StartAfter (botocore decodes them with unquote_plus: `+` is a space).

/** Which store's dialect a listing answers in (see `requestDialect`). */
export type ListDialect = StoreDialect

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/'
/** The S3 storage class each OSS class stands for, in S3's own names. */
export const S3_STORAGE_CLASSES: Readonly<Record<StorageClass, string>> = {
  Standard: 'STANDARD',
  IA: 'STANDARD_IA',
  Archive: 'GLACIER',
  ColdArchive: 'DEEP_ARCHIVE',
  DeepColdArchive: 'DEEP_ARCHIVE',
}
const OWNER_ID = '1686240967192623'
// S3 names an owner by its 64-hex canonical user id, not OSS's numeric account id.
const S3_OWNER_ID = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'
const encoder = new TextEncoder()

/** True for a ListObjectsV2 request: a GET on the bucket itself with `list-type=2`. */
export function isListObjectsV2(method: string, key: string, url: URL): boolean {
  return method === 'GET' && key === '' && url.searchParams.get('list-type') === '2'
}

/** An error the listing answers with. */
export interface ListError {
  readonly status: number
  readonly code: string
  readonly message: string
  /** S3's `ArgumentName` / `ArgumentValue` for an InvalidArgument. */
  readonly details: readonly (readonly [string, string])[]
}

/**
 * Answers ListObjectsV2 from the model's objects *at the time of each request*: a continuation
 * token names the last entry returned, so objects added, replaced or deleted between pages show
 * up (or vanish) in later pages exactly as they would on a live bucket.
 */
export function listObjectsV2(
  oss: MockOss,
  bucket: string,
  url: URL,
  dialect: ListDialect,
  requestId: string,
): Response | ListError {
  const q = url.searchParams
  const objects = oss.currentObjects(bucket)
  if (objects === 'no-bucket')
    return {
      status: 404,
      code: 'NoSuchBucket',
      message: 'The specified bucket does not exist.',
      details: [['BucketName', bucket]],
    }
  const prefix = q.get('prefix') ?? ''
  const delimiter = q.get('delimiter') ?? ''
  const startAfter = q.get('start-after')
  const token = q.get('continuation-token')
  const encoding = q.get('encoding-type')
  if (encoding !== null && encoding !== 'url')
    return invalid('encoding-type', encoding, 'The encoding-type must be url.')
  const maxKeysText = q.get('max-keys')
  let maxKeys = dialect === 'oss' ? 100 : 1000
  if (maxKeysText !== null) {
    const n = Number(maxKeysText)
    if (!/^\d+$/.test(maxKeysText) || (dialect === 'oss' && (n < 1 || n > 1000)))
      return invalid('max-keys', maxKeysText, 'max-keys must be an integer from 1 to 1000.')
    maxKeys = Math.min(n, 1000)
  }
  let after: { entry: string; prefix: boolean } | undefined
  if (token !== null) {
    after = decodeToken(token)
    if (!after)
      return invalid('continuation-token', token, 'The continuation token provided is incorrect.')
  } else if (startAfter !== null && startAfter !== '') {
    after = { entry: startAfter, prefix: false }
  }

  const sorted = objects
    .filter((o) => o.key.startsWith(prefix))
    .sort((a, b) => compareUtf8(a.key, b.key))
  const contents: StoredObject[] = []
  const commonPrefixes: string[] = []
  let last: { entry: string; prefix: boolean } | undefined
  let truncated = false
  for (const object of sorted) {
    if (
      after &&
      (compareUtf8(object.key, after.entry) <= 0 ||
        (after.prefix && object.key.startsWith(after.entry)))
    )
      continue
    const cut = delimiter === '' ? -1 : object.key.indexOf(delimiter, prefix.length)
    const common = cut < 0 ? undefined : object.key.slice(0, cut + delimiter.length)
    if (common !== undefined && commonPrefixes[commonPrefixes.length - 1] === common) continue
    if (contents.length + commonPrefixes.length === maxKeys) {
      truncated = true
      break
    }
    if (common !== undefined) {
      commonPrefixes.push(common)
      last = { entry: common, prefix: true }
    } else {
      contents.push(object)
      last = { entry: object.key, prefix: false }
    }
  }

  const enc = (text: string): string => xml(encoding === 'url' ? urlEncode(text) : text)
  const fetchOwner = q.get('fetch-owner') === 'true'
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    dialect === 's3' ? `<ListBucketResult xmlns="${S3_NAMESPACE}">` : '<ListBucketResult>',
    `  <Name>${xml(bucket)}</Name>`,
    `  <Prefix>${enc(prefix)}</Prefix>`,
    ...(startAfter === null ? [] : [`  <StartAfter>${enc(startAfter)}</StartAfter>`]),
    `  <MaxKeys>${maxKeys}</MaxKeys>`,
    ...(delimiter === '' ? [] : [`  <Delimiter>${enc(delimiter)}</Delimiter>`]),
    ...(encoding === null ? [] : ['  <EncodingType>url</EncodingType>']),
    `  <IsTruncated>${truncated}</IsTruncated>`,
    // OSS encodes its tokens under encoding-type=url too (its SDKs decode them); S3 does not.
    ...(token === null
      ? []
      : [
          `  <ContinuationToken>${dialect === 'oss' ? enc(token) : xml(token)}</ContinuationToken>`,
        ]),
    ...(truncated && last
      ? [
          `  <NextContinuationToken>${dialect === 'oss' ? enc(encodeToken(last, 'base64')) : encodeToken(last, 'base64url')}</NextContinuationToken>`,
        ]
      : []),
    ...contents.map((o) => contentsXml(o, dialect, fetchOwner, enc)),
    ...commonPrefixes.map(
      (p) => `  <CommonPrefixes>\n    <Prefix>${enc(p)}</Prefix>\n  </CommonPrefixes>`,
    ),
    `  <KeyCount>${contents.length + commonPrefixes.length}</KeyCount>`,
    '</ListBucketResult>',
    '',
  ]
  const requestIdHeader = dialect === 's3' ? 'x-amz-request-id' : 'x-oss-request-id'
  return new Response(lines.join('\n'), {
    status: 200,
    headers: { 'content-type': 'application/xml', [requestIdHeader]: requestId },
  })
}

function contentsXml(
  o: StoredObject,
  dialect: ListDialect,
  fetchOwner: boolean,
  enc: (text: string) => string,
): string {
  return [
    '  <Contents>',
    `    <Key>${enc(o.key)}</Key>`,
    `    <LastModified>${o.lastModified.toISOString()}</LastModified>`,
    `    <ETag>${xml(o.etag)}</ETag>`,
    ...(dialect === 'oss' ? [`    <Type>${o.objectType}</Type>`] : []),
    `    <Size>${o.source.size}</Size>`,
    `    <StorageClass>${dialect === 'oss' ? o.storageClass : S3_STORAGE_CLASSES[o.storageClass]}</StorageClass>`,
    ...(fetchOwner ? [ownerXml(dialect)] : []),
    '  </Contents>',
  ].join('\n')
}

function invalid(name: string, value: string, message: string): ListError {
  return {
    status: 400,
    code: 'InvalidArgument',
    message: `${message} (${name})`,
    details: [
      ['ArgumentName', name],
      ['ArgumentValue', value],
    ],
  }
}

/** `+` for a space and `%XX` for the rest, as `encoding-type=url` answers (decoded with unquote_plus). */
function urlEncode(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+').replace(/%2F/g, '/')
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
}

/**
 * XML text: markup characters as entities and control characters as references (S3 does the same;
 * XML 1.0 parsers may still refuse them, which is why clients ask for encoding-type=url).
 */
function xml(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
    /[&<>"'\u0000-\u001f\u007f]/g,
    (c) => XML_ENTITIES[c] ?? `&#x${c.charCodeAt(0).toString(16)};`,
  )
}

/** Keys sort by their UTF-8 bytes, as the stores list them (not by UTF-16 code units). */
function compareUtf8(a: string, b: string): number {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return x.length - y.length
}

/**
 * An opaque token naming the last entry of a page. OSS's are given in plain base64, whose `+`, `/`
 * and `=` a client must send back exactly (url-decoded once, then encoded once in the query); S3's
 * in base64url.
 */
function encodeToken(
  last: { entry: string; prefix: boolean },
  alphabet: 'base64' | 'base64url',
): string {
  const bytes = encoder.encode(JSON.stringify([last.prefix ? 1 : 0, last.entry]))
  const base64 = btoa(String.fromCharCode(...bytes))
  return alphabet === 'base64'
    ? base64
    : base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function decodeToken(token: string): { entry: string; prefix: boolean } | undefined {
  try {
    const binary = atob(token.replace(/-/g, '+').replace(/_/g, '/'))
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown
    if (!Array.isArray(value) || (value[0] !== 0 && value[0] !== 1) || typeof value[1] !== 'string')
      return undefined
    return { entry: value[1], prefix: value[0] === 1 }
  } catch {
    return undefined
  }
}

function ownerXml(dialect: ListDialect): string {
  const id = dialect === 'oss' ? OWNER_ID : S3_OWNER_ID
  const name = dialect === 'oss' ? OWNER_ID : 'owner'
  return `    <Owner>\n      <ID>${id}</ID>\n      <DisplayName>${name}</DisplayName>\n    </Owner>`
}
