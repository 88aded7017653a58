import { OptionsError } from '@resumable/core'
import { urlObjectId } from '@resumable/core/http'
import { FetchTransport } from './fetch-transport.ts'
import { presignedRequestPayerHeader } from './store-headers.ts'
import type { CommonTransportOptions } from './types.ts'
import type { WirePlan } from './wire-plan.ts'

/** Options of URL mode: any HTTP(S) URL whose server honours `Range` (file servers, OSS/S3 presigned URLs). */
export interface UrlTransportOptions extends CommonTransportOptions {
  /** The object's URL, signed or not. Its query string is never shown in ids or errors. */
  readonly url: string | URL
  /**
   * How `stat` learns the size. `'head'`: HEAD. `'range-get'`: `GET Range: bytes=0-0`, reading
   * `Content-Range` (presigned URLs are signed for GET only). `'auto'`: `'range-get'` when the URL
   * has a query string (likely signed), else HEAD, falling back to `'range-get'` when HEAD is refused.
   * @default 'auto'
   */
  readonly stat?: 'auto' | 'head' | 'range-get'
  /** Extra request headers, e.g. `authorization` for a private server; their values never appear in errors. */
  readonly headers?: Readonly<Record<string, string>>
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
  const own = Object.entries(options.headers ?? {})
  // The caller's own headers last: they win over the payer header inferred from the URL.
  const extra = [...presignedRequestPayerHeader(url, options.requestPayer), ...own]
  const secrets = [
    ...[...url.searchParams.values()],
    url.search.slice(1),
    decodeURIComponent(url.password),
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
    redirect: 'follow',
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
