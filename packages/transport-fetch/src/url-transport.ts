import { bytesToBase64, OptionsError } from '@resumable/core'
import { urlObjectId } from '@resumable/core/http'
import { isLoopback } from './endpoint.ts'
import { FetchTransport } from './fetch-transport.ts'
import { requireOptionsObject } from './options-object.ts'
import { presignedRequestPayerHeader } from './store-headers.ts'
import type { CommonTransportOptions } from './types.ts'
import type { WirePlan } from './wire-plan.ts'

/** Options of URL mode: any HTTP(S) URL whose server honours `Range` (file servers, OSS/S3 presigned URLs). */
export interface UrlTransportOptions extends CommonTransportOptions {
  /**
   * The object's URL, signed or not. Its query string is never shown in ids or errors.
   * `user:password@` in it is sent as HTTP Basic authentication (https or a loopback host only;
   * to the URL's origin only: a redirect elsewhere is followed without it, as curl does). In a
   * browser, which hides where a redirect leads, a redirect is then refused (`invalid-request`).
   */
  readonly url: string | URL
  /**
   * How `stat` learns the size. `'head'`: HEAD. `'range-get'`: `GET Range: bytes=0-0`, reading
   * `Content-Range` (presigned URLs are signed for GET only). `'auto'`: `'range-get'` when the URL
   * has a query string (likely signed), else HEAD, falling back to `'range-get'` when HEAD is refused.
   * @default 'auto'
   */
  readonly stat?: 'auto' | 'head' | 'range-get'
  /**
   * HTTP Basic credentials (e.g. from a netrc file), in place of any `user:password@` in the URL,
   * with the same rules: https or a loopback host only, sent to the URL's origin only, never shown.
   */
  readonly basicAuth?: { readonly user: string; readonly password: string }
  /** Extra request headers, e.g. `authorization` for a private server; their values never appear in errors. */
  readonly headers?: Readonly<Record<string, string>>
  /**
   * Which of `headers` go to the URL's origin only: `true` for all of them, or their names (the
   * credentials among them, such as GitLab's `Private-Token`, which no wire can recognise by its
   * name). The transport then follows redirects itself, the same on every wire and runtime, and
   * drops them, with `Authorization`, `Proxy-Authorization` and `Cookie`, on the first hop to
   * another origin (a signed storage URL, say): the download still reaches the object and the
   * credential never reaches another host. A browser answers `redirect: 'manual'` opaquely, so
   * there a redirect is refused (`invalid-request`, naming the reason) rather than followed with
   * the credentials on board: give the URL it leads to.
   * @default false
   */
  readonly headersBoundToOrigin?: boolean | readonly string[]
  /**
   * Send `x-oss-range-behavior: standard`. Off by default: on an OSS presigned URL every `x-oss-*`
   * header is part of the signature, so adding one breaks it.
   * @default false
   */
  readonly ossRangeBehavior?: boolean
  /**
   * Accept a requester-pays bucket's charges for an OSS URL presigned with the request-payer
   * header (`x-oss-*` or `OSSAccessKeyId` in its query): sends `x-oss-request-payer: requester`.
   * Not needed when the URL's query already has `x-*-request-payer=requester`, nor when its
   * signature lists the header (`X-Amz-SignedHeaders`, `x-oss-additional-headers`): it is then sent
   * anyway. Throws an OptionsError for any other URL, an S3 one included (S3 refuses an `x-amz-*`
   * header its presigned signature does not list).
   * @default false
   */
  readonly requestPayer?: boolean
}

/**
 * Creates a Transport for a plain or presigned URL.
 *
 * @example
 * ```ts
 * import { download } from '@resumable/core'
 * import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
 * import { createUrlTransport } from '@resumable/transport-fetch'
 *
 * await download({
 *   transport: createUrlTransport({ url: 'https://example.com/big.iso' }),
 *   target: new FileTarget('big.iso'),
 *   checkpoint: new FileCheckpointStore(),
 * })
 * ```
 */
export function createUrlTransport(options: UrlTransportOptions): FetchTransport {
  requireOptionsObject(options)
  let url: URL
  try {
    url = new URL(String(options.url))
  } catch {
    // The message must not echo the URL: it may be signed.
    throw new OptionsError('url', 'is not a valid absolute URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OptionsError('url', 'must be an http: or https: URL')
  }
  url.hash = ''
  const basic = basicAuthorization(url, options.basicAuth)
  const own = Object.entries(options.headers ?? {})
  // The caller's own headers last: they win over the headers inferred from the URL.
  const extra = [
    ...(basic ? [['authorization', basic.header] as [string, string]] : []),
    ...presignedRequestPayerHeader(url, options.requestPayer),
    ...own,
  ]
  const secrets = [
    ...[...url.searchParams.values()],
    url.search.slice(1),
    ...(basic ? [basic.password, basic.header, basic.header.slice('Basic '.length)] : []),
    ...own.map(([, v]) => v),
  ].filter((s) => s.length >= 8)
  const href = url.href
  const statOption = options.stat ?? 'auto'
  const plan: WirePlan = {
    id: urlObjectId(url),
    flavor: 'url',
    statMethod: statOption === 'auto' && url.search !== '' ? 'range-get' : statOption,
    canAddQuery: false,
    versionId: undefined,
    rotatingCredentials: false,
    signed: false,
    // Credentials go to the URL's origin only. The transport follows redirects itself for them
    // rather than trusting every runtime's fetch to drop `authorization` across origins, and no
    // wire could be told to drop a header of the caller's own naming.
    redirect: 'follow',
    keepHome: keptHome(options.headersBoundToOrigin, own, basic !== undefined),
    // Followed: what reaches the user is a 3xx with nothing to follow (no Location, 300, 304);
    // a plain URL has no region or endpoint to check.
    redirectAdvice: 'check the URL',
    async prepare(_method, headers) {
      for (const [name, value] of extra) headers.set(name, value)
      return { url: href, secrets }
    },
  }
  return new FetchTransport(plan, {
    wire: options.wire,
    fetch: options.fetch,
    skipArchiveCheck: options.skipArchiveCheck,
    ossRangeBehavior: options.ossRangeBehavior ?? false,
  })
}

/**
 * The header names that go to the URL's origin only, or undefined when the wire's own redirects
 * do (no credential of the caller's). An empty set still means "follow here": `authorization`,
 * as Basic credentials send it, is always dropped across origins.
 */
function keptHome(
  bound: UrlTransportOptions['headersBoundToOrigin'],
  own: readonly (readonly [string, string])[],
  basic: boolean,
): ReadonlySet<string> | undefined {
  if (bound === true) return new Set(own.map(([name]) => name.toLowerCase()))
  if (Array.isArray(bound) && bound.length > 0)
    return new Set((bound as readonly string[]).map((name) => name.toLowerCase()))
  return basic ? new Set() : undefined
}

/**
 * `user:password@` in the URL, as curl and wget read it, or `given` in its place: taken out of the
 * URL (fetch refuses such a URL; the Node wire would silently drop them) and sent as HTTP Basic
 * authentication (RFC 7617, UTF-8), the same on every wire. Only over https or to a loopback host:
 * Basic sends the password in clear text, readable by anyone on a plain-HTTP path.
 */
function basicAuthorization(
  url: URL,
  given: UrlTransportOptions['basicAuth'],
): { header: string; password: string } | undefined {
  if (given === undefined && url.username === '' && url.password === '') return undefined
  const secure = url.protocol === 'https:' || isLoopback(url.hostname)
  let user: string
  let password: string
  try {
    user = given?.user ?? decodeURIComponent(url.username)
    password = given?.password ?? decodeURIComponent(url.password)
  } catch {
    throw new OptionsError('url', 'has a user name or password that is not valid percent-encoding')
  }
  url.username = ''
  url.password = ''
  if (!secure) {
    throw given === undefined
      ? new OptionsError(
          'url',
          'carries a user name and password, which HTTP Basic would send in clear text over http://: use https://',
        )
      : new OptionsError(
          'basicAuth',
          'would be sent by HTTP Basic in clear text over http:// (the host is not loopback): use https://',
        )
  }
  const token = bytesToBase64(new TextEncoder().encode(`${user}:${password}`))
  return { header: `Basic ${token}`, password }
}
