import { OptionsError } from '@resumable/core'
import { credentialSource } from '../credentials.ts'
import { encodeQuery } from '../encode.ts'
import { requireOptionsObject } from '../options-object.ts'
import { resolveOssLocation } from '../oss-location.ts'
import { signOssV4 } from '../oss-v4-signer.ts'
import { requestPayerHeader } from '../store-headers.ts'
import type { CommonTransportOptions, Credentials, CredentialsProvider } from '../types.ts'
import { fetchWire } from '../wire/fetch-wire.ts'
import { BucketLister, type ListOptions } from './bucket-lister.ts'

/** Options of an OSS listing: where the bucket is, how to sign, what to list. */
export interface OssListerOptions
  extends Omit<CommonTransportOptions, 'skipArchiveCheck'>,
    ListOptions {
  /** Bucket name. */
  readonly bucket: string
  /** Region id (`cn-hangzhou`). Inferred from an `*.aliyuncs.com` endpoint. */
  readonly region?: string
  /** Endpoint. @default `https://oss-<region>.aliyuncs.com` */
  readonly endpoint?: string
  /** The endpoint is a custom domain bound to the bucket. @default false */
  readonly cname?: boolean
  /** Keys or a provider. @default OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN */
  readonly credentials?: Credentials | CredentialsProvider
  /** Unsigned requests (a public-read-listable bucket). @default false */
  readonly anonymous?: boolean
  /**
   * Send `x-oss-request-payer: requester` on every page: you accept the charges of listing a
   * pay-by-requester bucket, which refuses a listing without it (403 AccessDenied). Signed, as
   * the object transports' `requestPayer` (OSS V4 signs every `x-oss-*` header); so not with
   * `anonymous` (an OptionsError): such a bucket refuses unsigned requests.
   * @default false
   */
  readonly requestPayer?: boolean
}

/**
 * Creates a Lister over OSS ListObjectsV2 (GetBucketV2), signed with OSS Signature V4.
 *
 * @example
 * ```ts
 * const lister = createOssLister({ bucket: 'examplebucket', region: 'cn-hangzhou', prefix: 'datasets/' })
 * for await (const object of lister.list()) console.log(object.key, object.size)
 * ```
 */
export function createOssLister(options: OssListerOptions): BucketLister {
  requireOptionsObject(options)
  // The object URL of a one-letter key, minus that letter: the bucket's own URL in every style.
  const { url, region } = resolveOssLocation({ ...options, key: 'x' })
  const base = url.href.slice(0, -1)
  const anonymous = options.anonymous === true
  const credentials = anonymous ? undefined : credentialSource(options.credentials, ['oss'])
  const fixed = requestPayerHeader('oss', options.requestPayer, anonymous)
  if (!anonymous && !region)
    throw new OptionsError(
      'region',
      'is required to sign for a custom endpoint (e.g. "cn-hangzhou")',
    )
  return new BucketLister(
    {
      id: `oss://${options.bucket}/${options.prefix ?? ''}`,
      storeName: 'OSS',
      tokenUrlEncoded: true,
      rotatingCredentials: typeof options.credentials === 'function',
      signed: !anonymous,
      wire: options.wire ?? fetchWire(options.fetch, { redirect: 'manual' }),
      async prepare(headers, query, date) {
        const target = `${base}?${encodeQuery(query)}`
        // Before signing: V4 signs every x-oss-* header.
        for (const [name, value] of fixed) headers.set(name, value)
        if (!credentials || !region) return { url: target, secrets: [] }
        const c = await credentials()
        await signOssV4({
          method: 'GET',
          bucket: options.bucket,
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
    },
    options,
  )
}
