import { encodeRfc3986 } from './encode.ts'
import type { HeaderFields } from './request-headers.ts'
import type { Credentials } from './types.ts'
import { type V4KeyScheme, v4DateTime, v4SigningKey } from './v4-signing-key.ts'
import { hmacSha256Hex, sha256Hex } from './web-crypto.ts'

/** A request about to be signed with AWS Signature V4. */
export interface S3SignRequest {
  /** HTTP method. */
  readonly method: string
  /** The URL as it will be fetched; its path must already be encoded once (S3 is not double-encoded). */
  readonly url: URL
  /** Query parameters, unencoded, exactly those in `url`. */
  readonly query: readonly (readonly [string, string])[]
  /** Request headers; the signature headers are added in place. */
  readonly headers: HeaderFields
  /** Signing time. */
  readonly date: Date
}

/** Signs requests in place with the given keys. */
export type S3Signer = (request: S3SignRequest, credentials: Credentials) => Promise<void>

const ALGORITHM = 'AWS4-HMAC-SHA256'

/**
 * Headers left out of the signature: those a proxy or the HTTP stack may add or rewrite on the
 * way (the set the AWS SDKs leave unsigned), and `accept-encoding`, which Node's fetch rewrites
 * when a Range header is present ("identity, identity").
 */
const UNSIGNED = new Set([
  'accept-encoding',
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
])

const isSigned = (name: string): boolean =>
  !UNSIGNED.has(name) && !name.startsWith('proxy-') && !name.startsWith('sec-')

/** SigV4's canonical query: every pair encoded, sorted by name then value, `name=` when empty. */
function canonicalQuery(query: readonly (readonly [string, string])[]): string {
  return query
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

const SCHEME: V4KeyScheme = { secretPrefix: 'AWS4', terminator: 'aws4_request' }

/**
 * Builds an AWS Signature V4 signer (header form) for one region and service. Bodies are never
 * signed: `x-amz-content-sha256` is `UNSIGNED-PAYLOAD` unless the caller set it (the AWS test
 * vectors do). Every header present is signed except those in `UNSIGNED`, with `host` from the
 * URL as fetch will send it.
 *
 * @example
 * ```ts
 * const sign = createS3Signer({ region: 'us-east-1' })
 * const headers = new Headers({ range: 'bytes=0-9' })
 * const url = new URL('https://examplebucket.s3.amazonaws.com/test.txt')
 * await sign({ method: 'GET', url, query: [], headers, date: new Date() }, credentials)
 * await fetch(url, { headers })
 * ```
 */
export function createS3Signer(options: {
  readonly region: string
  readonly service?: string
}): S3Signer {
  const { region } = options
  const service = options.service ?? 's3'
  return async ({ method, url, query, headers, date }, credentials) => {
    const dateTime = v4DateTime(date)
    const day = dateTime.slice(0, 8)
    headers.set('x-amz-date', dateTime)
    if (credentials.sessionToken) headers.set('x-amz-security-token', credentials.sessionToken)
    if (!headers.has('x-amz-content-sha256'))
      headers.set('x-amz-content-sha256', 'UNSIGNED-PAYLOAD')
    // The fields iterate with lower-case names in sorted order (as Headers does); `host` sorts in among them.
    const signed: [string, string][] = [['host', url.host]]
    for (const [name, value] of headers) {
      if (name !== 'host' && isSigned(name)) signed.push([name, value])
    }
    signed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const signedNames = signed.map(([name]) => name).join(';')
    const canonical = [
      method,
      // Already encoded once, as sent: S3 signs the path without a second encoding or normalising.
      url.pathname,
      canonicalQuery(query),
      signed.map(([name, value]) => `${name}:${value.trim().replace(/\s+/g, ' ')}\n`).join(''),
      signedNames,
      headers.get('x-amz-content-sha256'),
    ].join('\n')
    const scope = `${day}/${region}/${service}/aws4_request`
    const toSign = `${ALGORITHM}\n${dateTime}\n${scope}\n${await sha256Hex(canonical)}`
    const key = await v4SigningKey(SCHEME, credentials.secretAccessKey, day, region, service)
    const signature = await hmacSha256Hex(key, toSign)
    headers.set(
      'authorization',
      `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedNames}, Signature=${signature}`,
    )
  }
}
