import { hmac, rfc3986, sha256Hex, v4Signature } from './hashes.ts'

const AWS4 = { prefix: 'AWS4', terminator: 'aws4_request' }
const OSS4 = { prefix: 'aliyun_v4', terminator: 'aliyun_v4_request' }

/** Credentials the mock accepts. */
export interface MockCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** When set, every request must carry this STS token (header or presigned query), as OSS requires of an STS AccessKey. */
  readonly sessionToken?: string
}

/** Sub-resources OSS V1 signs (Go SDK v2 `requiredSignedParametersMap`, the ones a GET/HEAD can carry). */
const V1_SUBRESOURCES = new Set([
  'versionId',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'security-token',
  'objectMeta',
  // ListObjectsV2's page token: ali-oss's listV2 signs it as a sub-resource (and OSS accepts that).
  'continuation-token',
])

/**
 * Verifies a request's signature the way the store would: AWS SigV4 (`AWS4-HMAC-SHA256`), OSS V4
 * (`OSS4-HMAC-SHA256`) or OSS V1 (`OSS ak:sig`), in the Authorization header. Returns the OSS error
 * code to answer with, or undefined when the signature is valid (and carries the credentials'
 * `sessionToken`, when they have one).
 */
export async function checkSignature(
  request: Request,
  bucket: string,
  key: string,
  credentials: MockCredentials,
  now: () => number = Date.now,
): Promise<
  | 'AccessDenied'
  | 'SignatureDoesNotMatch'
  | 'InvalidAccessKeyId'
  | 'InvalidSecurityToken'
  | undefined
> {
  const auth = request.headers.get('authorization') ?? ''
  const url = new URL(request.url)
  let id: string | undefined
  let valid = false
  if (auth.startsWith('AWS4-HMAC-SHA256 '))
    [id, valid] = await sigV4(request, url, auth, credentials.secretAccessKey)
  else if (auth.startsWith('OSS4-HMAC-SHA256 '))
    [id, valid] = await ossV4(request, url, auth, bucket, key, credentials.secretAccessKey)
  else if (auth.startsWith('OSS '))
    [id, valid] = await ossV1(request, url, auth, bucket, key, credentials.secretAccessKey)
  else if (url.searchParams.get('x-oss-signature-version') === 'OSS4-HMAC-SHA256')
    [id, valid] = await ossV4Query(request, url, bucket, key, credentials.secretAccessKey, now)
  else return 'AccessDenied'
  if (id !== credentials.accessKeyId) return 'InvalidAccessKeyId'
  if (!valid) return 'SignatureDoesNotMatch'
  if (
    credentials.sessionToken !== undefined &&
    securityToken(request, url) !== credentials.sessionToken
  )
    return 'InvalidSecurityToken'
  return undefined
}

/** The STS token a request carries: OSS or SigV4 header, or a presigned URL's query (V4 or V1 name). */
function securityToken(request: Request, url: URL): string | null {
  const q = url.searchParams
  return (
    request.headers.get('x-oss-security-token') ??
    request.headers.get('x-amz-security-token') ??
    q.get('x-oss-security-token') ??
    q.get('x-amz-security-token') ??
    q.get('security-token')
  )
}

function queryPairs(url: URL): [string, string][] {
  const raw = url.search.slice(1)
  if (raw === '') return []
  return raw.split('&').map((part) => {
    const eq = part.indexOf('=')
    const dec = (s: string): string => decodeURIComponent(s.replace(/\+/g, '%20'))
    return [
      rfc3986(dec(eq < 0 ? part : part.slice(0, eq))),
      rfc3986(dec(eq < 0 ? '' : part.slice(eq + 1))),
    ]
  })
}

const byKeyThenValue = ([a, av]: [string, string], [b, bv]: [string, string]): number =>
  a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0

async function sigV4(
  request: Request,
  url: URL,
  auth: string,
  secret: string,
): Promise<[string | undefined, boolean]> {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    )
  if (!m) return [undefined, false]
  const [, id, day, region, service, signedList, signature] = m as unknown as string[]
  const signed = (signedList as string).split(';')
  // OSS requires every x-amz-* header to be signed; so does this mock.
  for (const [name] of request.headers)
    if (name.startsWith('x-amz-') && !signed.includes(name)) return [id, false]
  const headers = signed
    .map(
      (n) =>
        `${n}:${(n === 'host' ? url.host : (request.headers.get(n) ?? '')).trim().replace(/\s+/g, ' ')}\n`,
    )
    .join('')
  const query = queryPairs(url)
    .sort(byKeyThenValue)
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const canonical = [
    request.method,
    url.pathname,
    query,
    headers,
    signedList,
    request.headers.get('x-amz-content-sha256') ?? '',
  ].join('\n')
  const scope = `${day}/${region}/${service}/aws4_request`
  const toSign = `AWS4-HMAC-SHA256\n${request.headers.get('x-amz-date') ?? ''}\n${scope}\n${await sha256Hex(canonical)}`
  const keyScope = { day: day as string, region: region as string, service: service as string }
  return [id, (await v4Signature(AWS4, secret, keyScope, toSign)) === signature]
}

async function ossV4(
  request: Request,
  url: URL,
  auth: string,
  bucket: string,
  key: string,
  secret: string,
): Promise<[string | undefined, boolean]> {
  const m =
    /^OSS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/oss\/aliyun_v4_request, ?(?:AdditionalHeaders=([^,]+), ?)?Signature=([0-9a-f]{64})$/.exec(
      auth,
    )
  if (!m) return [undefined, false]
  const [, id, day, region, additional, signature] = m as unknown as (string | undefined)[]
  if (request.headers.get('x-oss-content-sha256') !== 'UNSIGNED-PAYLOAD') return [id, false]
  const extra = additional ? additional.split(';') : []
  const names = [...request.headers.keys()]
    .filter(
      (n) =>
        n.startsWith('x-oss-') || n === 'content-type' || n === 'content-md5' || extra.includes(n),
    )
    .sort()
  const headers = names.map((n) => `${n}:${(request.headers.get(n) ?? '').trim()}\n`).join('')
  const query = queryPairs(url)
    .sort(byKeyThenValue)
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&')
  const uri = `/${bucket}/${key}`.split('/').map(rfc3986).join('/')
  const canonical = [request.method, uri, query, headers, extra.join(';'), 'UNSIGNED-PAYLOAD'].join(
    '\n',
  )
  const scope = `${day}/${region}/oss/aliyun_v4_request`
  const toSign = `OSS4-HMAC-SHA256\n${request.headers.get('x-oss-date') ?? ''}\n${scope}\n${await sha256Hex(canonical)}`
  const keyScope = { day: day as string, region: region as string, service: 'oss' }
  return [id, (await v4Signature(OSS4, secret, keyScope, toSign)) === signature]
}

async function ossV1(
  request: Request,
  url: URL,
  auth: string,
  bucket: string,
  key: string,
  secret: string,
): Promise<[string | undefined, boolean]> {
  const m = /^OSS ([^:]+):(.+)$/.exec(auth)
  if (!m) return [undefined, false]
  const [, id, signature] = m as unknown as string[]
  const ossHeaders = [...request.headers.keys()]
    .filter((n) => n.startsWith('x-oss-'))
    .sort()
    .map((n) => `${n}:${(request.headers.get(n) ?? '').trim()}\n`)
    .join('')
  const sub = [...url.searchParams]
    .filter(([k]) => V1_SUBRESOURCES.has(k) || k.startsWith('x-oss-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
  const resource = `/${bucket}/${key}${sub.length > 0 ? `?${sub.join('&')}` : ''}`
  const toSign = [
    request.method,
    request.headers.get('content-md5') ?? '',
    request.headers.get('content-type') ?? '',
    request.headers.get('date') ?? request.headers.get('x-oss-date') ?? '',
  ].join('\n')
  const expected = btoa(
    String.fromCharCode(...(await hmac('SHA-1', secret, `${toSign}\n${ossHeaders}${resource}`))),
  )
  return [id, expected === signature]
}

/** OSS V4 query authentication (presigned URLs): the same canonical request, signed query minus the signature. */
async function ossV4Query(
  request: Request,
  url: URL,
  bucket: string,
  key: string,
  secret: string,
  now: () => number,
): Promise<[string | undefined, boolean]> {
  const q = url.searchParams
  const m = /^([^/]+)\/(\d{8})\/([^/]+)\/oss\/aliyun_v4_request$/.exec(
    q.get('x-oss-credential') ?? '',
  )
  const date = q.get('x-oss-date') ?? ''
  const signature = q.get('x-oss-signature') ?? ''
  if (!m) return [undefined, false]
  const [, id, day, region] = m as unknown as string[]
  // An expired URL is refused like a bad signature (OSS answers 403 AccessDenied "Request has expired").
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  )
  if (!(now() <= signedAt + Number(q.get('x-oss-expires') ?? 0) * 1000)) return [id, false]
  const extra = (q.get('x-oss-additional-headers') ?? '').split(';').filter(Boolean)
  const names = [...request.headers.keys()]
    .filter(
      (n) =>
        n.startsWith('x-oss-') || n === 'content-type' || n === 'content-md5' || extra.includes(n),
    )
    .sort()
  const headers = names.map((n) => `${n}:${(request.headers.get(n) ?? '').trim()}\n`).join('')
  const query = queryPairs(url)
    .filter(([k]) => k !== 'x-oss-signature')
    .sort(byKeyThenValue)
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&')
  const uri = `/${bucket}/${key}`.split('/').map(rfc3986).join('/')
  const canonical = [request.method, uri, query, headers, extra.join(';'), 'UNSIGNED-PAYLOAD'].join(
    '\n',
  )
  const scope = `${day}/${region}/oss/aliyun_v4_request`
  const toSign = `OSS4-HMAC-SHA256\n${date}\n${scope}\n${await sha256Hex(canonical)}`
  const keyScope = { day: day as string, region: region as string, service: 'oss' }
  return [id, (await v4Signature(OSS4, secret, keyScope, toSign)) === signature]
}
