import { encodeKeyPath, encodeRfc3986 } from './encode.ts'
import type { HeaderFields } from './request-headers.ts'
import type { Credentials } from './types.ts'
import { type V4KeyScheme, v4DateTime, v4SigningKey } from './v4-signing-key.ts'
import { hmacSha256Hex, sha256Hex } from './web-crypto.ts'

/** A request about to be signed with OSS Signature V4 (`OSS4-HMAC-SHA256`). */
export interface OssV4Request {
  /** HTTP method. */
  readonly method: string
  /** Bucket: V4 signs `/bucket/key` whatever the host (virtual-hosted, CNAME or IP). */
  readonly bucket?: string
  /** Object key, unencoded. */
  readonly key?: string
  /** Query parameters, unencoded, as sent. */
  readonly query: readonly (readonly [string, string])[]
  /** Request headers; the header form adds `x-oss-date`, `x-oss-content-sha256`, the token and `authorization`. */
  readonly headers: HeaderFields
  /** Keys that sign the request. */
  readonly credentials: Credentials
  /** Region id without the `oss-` prefix (`cn-hangzhou`). */
  readonly region: string
  /** Signing product. @default 'oss' */
  readonly product?: string
  /** Signing time. */
  readonly date: Date
  /** Extra headers to sign besides `x-oss-*`, `content-type` and `content-md5`. */
  readonly additionalHeaders?: readonly string[]
}

const ALGORITHM = 'OSS4-HMAC-SHA256'
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'

const SCHEME: V4KeyScheme = { secretPrefix: 'aliyun_v4', terminator: 'aliyun_v4_request' }

function isDefaultSigned(name: string): boolean {
  return name.startsWith('x-oss-') || name === 'content-type' || name === 'content-md5'
}

/** Additional headers actually present, lower-case and sorted; defaults are signed anyway so dropped. */
function presentAdditional(headers: HeaderFields, names: readonly string[] = []): string[] {
  const out = new Set<string>()
  for (const n of names) {
    const low = n.toLowerCase()
    if (!isDefaultSigned(low) && headers.get(low)) out.add(low)
  }
  return [...out].sort()
}

/** The V4 canonical request; exported for tests and for checking a mock's signature. */
export function ossCanonicalRequest(
  request: Pick<OssV4Request, 'method' | 'bucket' | 'key' | 'query' | 'headers'>,
  additional: readonly string[],
): string {
  let uri = '/'
  if (request.bucket !== undefined) uri += `${request.bucket}/`
  if (request.key !== undefined) uri += request.key
  const params = new Map<string, string>()
  for (const [k, v] of request.query) params.set(encodeRfc3986(k), encodeRfc3986(v))
  const query = [...params.keys()]
    .sort()
    .map((k) => {
      const v = params.get(k) as string
      return v === '' ? k : `${k}=${v}`
    })
    .join('&')
  const signed = new Set(additional)
  let canonicalHeaders = ''
  // The fields iterate with lower-case names in sorted order (as Headers does), which is what V4 wants.
  for (const [name, value] of request.headers) {
    if (isDefaultSigned(name) || signed.has(name)) canonicalHeaders += `${name}:${value.trim()}\n`
  }
  const payload = request.headers.get('x-oss-content-sha256') || UNSIGNED_PAYLOAD
  return [
    request.method,
    encodeKeyPath(uri),
    query,
    canonicalHeaders,
    additional.join(';'),
    payload,
  ].join('\n')
}

async function signature(
  secret: string,
  day: string,
  region: string,
  product: string,
  stringToSign: string,
): Promise<string> {
  const key = await v4SigningKey(SCHEME, secret, day, region, product)
  return hmacSha256Hex(key, stringToSign)
}

async function stringToSign(dateTime: string, scope: string, canonical: string): Promise<string> {
  return `${ALGORITHM}\n${dateTime}\n${scope}\n${await sha256Hex(canonical)}`
}

/** Signs `request` in place with the `Authorization` header form of OSS V4. */
export async function signOssV4(request: OssV4Request): Promise<void> {
  const { headers, credentials, region } = request
  const product = request.product ?? 'oss'
  const dateTime = v4DateTime(request.date)
  const day = dateTime.slice(0, 8)
  headers.set('x-oss-date', dateTime)
  if (credentials.sessionToken) headers.set('x-oss-security-token', credentials.sessionToken)
  headers.set('x-oss-content-sha256', UNSIGNED_PAYLOAD)
  const additional = presentAdditional(headers, request.additionalHeaders)
  const scope = `${day}/${region}/${product}/aliyun_v4_request`
  const toSign = await stringToSign(dateTime, scope, ossCanonicalRequest(request, additional))
  const sig = await signature(credentials.secretAccessKey, day, region, product, toSign)
  const extra = additional.length > 0 ? `,AdditionalHeaders=${additional.join(';')}` : ''
  headers.set(
    'authorization',
    `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}${extra},Signature=${sig}`,
  )
}

/**
 * Query-string form of OSS V4 (a presigned URL): returns the full query, the request's own
 * parameters plus the `x-oss-*` auth parameters and `x-oss-signature`, sorted as the SDKs emit it.
 */
export async function presignOssV4(
  request: OssV4Request & { readonly expiresIn: number },
): Promise<[string, string][]> {
  const { headers, credentials, region } = request
  const product = request.product ?? 'oss'
  const dateTime = v4DateTime(request.date)
  const day = dateTime.slice(0, 8)
  const scope = `${day}/${region}/${product}/aliyun_v4_request`
  const additional = presentAdditional(headers, request.additionalHeaders)
  const query: [string, string][] = request.query.map(([k, v]) => [k, v])
  if (credentials.sessionToken) query.push(['x-oss-security-token', credentials.sessionToken])
  query.push(['x-oss-signature-version', ALGORITHM])
  query.push(['x-oss-date', dateTime])
  query.push(['x-oss-expires', String(request.expiresIn)])
  query.push(['x-oss-credential', `${credentials.accessKeyId}/${scope}`])
  if (additional.length > 0) query.push(['x-oss-additional-headers', additional.join(';')])
  const canonical = ossCanonicalRequest({ ...request, query }, additional)
  const toSign = await stringToSign(dateTime, scope, canonical)
  query.push([
    'x-oss-signature',
    await signature(credentials.secretAccessKey, day, region, product, toSign),
  ])
  return query.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
