// Independent server-side signature checks (node:crypto, not the package's Web Crypto code), so a
// wrong canonical request in the transport fails the loopback tests.
import { createHash, createHmac } from 'node:crypto'

/** A request as a server sees it. */
export interface ReceivedRequest {
  readonly method: string
  /** Path exactly as on the request line, before decoding. */
  readonly rawPath: string
  /** Query string without `?`, exactly as received. */
  readonly rawQuery: string
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data).digest()
const sha256Hex = (data: string): string => createHash('sha256').update(data).digest('hex')
const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

function header(req: ReceivedRequest, name: string): string {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(',') : (v ?? '')
}

function queryPairs(raw: string): [string, string][] {
  if (raw === '') return []
  return raw.split('&').map((part) => {
    const eq = part.indexOf('=')
    const k = eq < 0 ? part : part.slice(0, eq)
    const v = eq < 0 ? '' : part.slice(eq + 1)
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, '%20'))
    return [rfc3986(dec(k)), rfc3986(dec(v))]
  })
}

/** Verifies an `AWS4-HMAC-SHA256` Authorization header; returns why not, or undefined when valid. */
export function checkSigV4(req: ReceivedRequest, secret: string): string | undefined {
  const auth = header(req, 'authorization')
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    )
  if (!m) return `malformed Authorization: ${auth.slice(0, 40)}`
  const [, , day, region, service, signedList, signature] = m as unknown as string[]
  const signed = (signedList as string).split(';')
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-amz-') && !signed.includes(name)) return `${name} not signed`
  }
  if (!signed.includes('host')) return 'host not signed'
  const canonicalHeaders = signed
    .map((n) => `${n}:${header(req, n).trim().replace(/\s+/g, ' ')}\n`)
    .join('')
  const query = queryPairs(req.rawQuery)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const canonical = [
    req.method,
    req.rawPath,
    query,
    canonicalHeaders,
    signedList,
    header(req, 'x-amz-content-sha256'),
  ].join('\n')
  const scope = `${day}/${region}/${service}/aws4_request`
  const toSign = `AWS4-HMAC-SHA256\n${header(req, 'x-amz-date')}\n${scope}\n${sha256Hex(canonical)}`
  let key = hmac(`AWS4${secret}`, day as string)
  for (const part of [region as string, service as string, 'aws4_request']) key = hmac(key, part)
  const expected = hmac(key, toSign).toString('hex')
  return expected === signature ? undefined : 'SignatureDoesNotMatch'
}

/** Verifies an `OSS4-HMAC-SHA256` Authorization header for `/bucket/key`; undefined when valid. */
export function checkOssV4(
  req: ReceivedRequest,
  bucket: string,
  key: string,
  secret: string,
): string | undefined {
  const auth = header(req, 'authorization')
  const m =
    /^OSS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/oss\/aliyun_v4_request(?:,AdditionalHeaders=([^,]+))?,Signature=([0-9a-f]{64})$/.exec(
      auth,
    )
  if (!m) return `malformed Authorization: ${auth.slice(0, 40)}`
  const [, , day, region, additional, signature] = m as unknown as (string | undefined)[]
  const extra = additional ? additional.split(';') : []
  if (header(req, 'x-oss-content-sha256') !== 'UNSIGNED-PAYLOAD')
    return 'x-oss-content-sha256 missing'
  const names = Object.keys(req.headers)
    .filter(
      (n) =>
        n.startsWith('x-oss-') || n === 'content-type' || n === 'content-md5' || extra.includes(n),
    )
    .sort()
  const canonicalHeaders = names.map((n) => `${n}:${header(req, n).trim()}\n`).join('')
  const query = queryPairs(req.rawQuery)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&')
  const uri = `/${bucket}/${key}`.split('/').map(rfc3986).join('/')
  const canonical = [
    req.method,
    uri,
    query,
    canonicalHeaders,
    extra.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n')
  const scope = `${day}/${region}/oss/aliyun_v4_request`
  const toSign = `OSS4-HMAC-SHA256\n${header(req, 'x-oss-date')}\n${scope}\n${sha256Hex(canonical)}`
  let k = hmac(`aliyun_v4${secret}`, day as string)
  for (const part of [region as string, 'oss', 'aliyun_v4_request']) k = hmac(k, part)
  return hmac(k, toSign).toString('hex') === signature ? undefined : 'SignatureDoesNotMatch'
}
