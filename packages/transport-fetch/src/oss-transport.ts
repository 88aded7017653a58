import { OptionsError } from '@resumable/core'
import { ossObjectId } from '@resumable/core/http'
import { credentialSource } from './credentials.ts'
import { encodeQuery } from './encode.ts'
import { FetchTransport } from './fetch-transport.ts'
import { requireOptionsObject } from './options-object.ts'
import { type OssLocationOptions, resolveOssLocation } from './oss-location.ts'
import { signOssV4 } from './oss-v4-signer.ts'
import {
  applyStoreHeaders,
  requestPayerHeader,
  type StoreHeaders,
  trafficLimitHeader,
} from './store-headers.ts'
import type { CommonTransportOptions, Credentials, CredentialsProvider } from './types.ts'
import type { WirePlan } from './wire-plan.ts'

/** Options of OSS native mode: virtual-hosted requests signed with OSS Signature V4. */
export interface OssTransportOptions extends CommonTransportOptions, OssLocationOptions {
  /** Keys, or a provider called before every request (rotating STS). @default OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN */
  readonly credentials?: Credentials | CredentialsProvider
  /** Send unsigned requests (public-read objects). @default false */
  readonly anonymous?: boolean
  /** Read this version; it becomes part of `id`. */
  readonly versionId?: string
  /** Also pin the version `stat` saw (needs the `oss:GetObjectVersion` permission). @default false */
  readonly pinVersion?: boolean
  /** Send `x-oss-request-payer: requester` (signed) on HEAD and GET: you pay for reading a pay-by-requester bucket. @default false */
  readonly requestPayer?: boolean
  /**
   * OSS's server-side per-connection bandwidth cap (`x-oss-traffic-limit`) in **bit/s**,
   * 819200 (100 KB/s) to 838860800 (100 MB/s); it applies to each part's connection. As transport-ali-oss's `trafficLimit`.
   */
  readonly trafficLimit?: number
}

/**
 * Creates a Transport for one OSS object, signing with `OSS4-HMAC-SHA256` on Web Crypto.
 *
 * @example
 * ```ts
 * import { createOssTransport } from '@resumable/transport-fetch'
 *
 * // Credentials default to OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN.
 * const transport = createOssTransport({ bucket: 'examplebucket', key: 'dir/big.iso', region: 'cn-hangzhou' })
 * ```
 */
export function createOssTransport(options: OssTransportOptions): FetchTransport {
  requireOptionsObject(options)
  const { url, region } = resolveOssLocation(options)
  const anonymous = options.anonymous === true
  const credentials = anonymous ? undefined : credentialSource(options.credentials, ['oss'])
  if (!anonymous && !region) {
    throw new OptionsError(
      'region',
      'is required to sign for a custom endpoint (e.g. "cn-hangzhou")',
    )
  }
  const base = url.href
  const fixed: StoreHeaders = {
    always: requestPayerHeader('oss', options.requestPayer, anonymous),
    // OSS documents the cap for GetObject (not HeadObject), as ali-oss sends it.
    readOnly: trafficLimitHeader(options.trafficLimit),
    secrets: [],
  }
  const plan: WirePlan = {
    id: ossObjectId(options.bucket, options.key, options.versionId),
    flavor: 'oss',
    statMethod: 'head',
    canAddQuery: true,
    versionId: options.versionId,
    rotatingCredentials: typeof options.credentials === 'function',
    signed: !anonymous,
    redirect: 'manual',
    async prepare(method, headers, query, date) {
      const target = query.length === 0 ? base : `${base}?${encodeQuery(query)}`
      // Before signing: V4 signs every x-oss-* header.
      applyStoreHeaders(fixed, method, headers)
      if (!credentials || !region) return { url: target, secrets: [] }
      const c = await credentials()
      await signOssV4({
        method,
        bucket: options.bucket,
        key: options.key,
        query,
        headers,
        credentials: c,
        region,
        date,
      })
      return {
        url: target,
        secrets: [c.secretAccessKey, ...(c.sessionToken ? [c.sessionToken] : [])],
      }
    },
  }
  return new FetchTransport(plan, {
    wire: options.wire,
    fetch: options.fetch,
    skipArchiveCheck: options.skipArchiveCheck,
    ossRangeBehavior: true,
    pinVersion: options.pinVersion,
  })
}
