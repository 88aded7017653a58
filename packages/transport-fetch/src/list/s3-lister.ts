import { credentialSource } from '../credentials.ts'
import { encodeQuery } from '../encode.ts'
import { requireOptionsObject } from '../options-object.ts'
import { resolveS3Location } from '../s3-location.ts'
import { createS3Signer } from '../s3-signer.ts'
import { requestPayerHeader } from '../store-headers.ts'
import type { CommonTransportOptions, Credentials, CredentialsProvider } from '../types.ts'
import { fetchWire } from '../wire/fetch-wire.ts'
import { BucketLister, type ListOptions } from './bucket-lister.ts'

/** Options of an S3 listing: where the bucket is, how to sign, what to list. */
export interface S3ListerOptions
  extends Omit<CommonTransportOptions, 'skipArchiveCheck'>,
    ListOptions {
  /** Bucket name. */
  readonly bucket: string
  /** Signing region. @default inferred from the endpoint, else 'us-east-1' */
  readonly region?: string
  /** Endpoint origin. @default `https://s3.<region>.amazonaws.com` (`.com.cn` for the China regions) */
  readonly endpoint?: string
  /** Path-style `endpoint/bucket`. @default true for IP/localhost endpoints and names that are not one DNS label */
  readonly forcePathStyle?: boolean
  /** Keys or a provider. @default AWS_* env, then OSS_* env for an aliyuncs.com endpoint */
  readonly credentials?: Credentials | CredentialsProvider
  /** Unsigned requests. @default false */
  readonly anonymous?: boolean
  /**
   * Send `x-amz-request-payer: requester` on every page: you accept the charges of listing a
   * Requester Pays bucket, which refuses a listing without it (403 AccessDenied). Signed, as
   * the object transports' `requestPayer` (SigV4 signs every header it sends); so not with
   * `anonymous` (an OptionsError): such a bucket refuses unsigned requests.
   * @default false
   */
  readonly requestPayer?: boolean
}

/**
 * Creates a Lister over S3 ListObjectsV2, signed with SigV4 (AWS S3, MinIO, R2, OSS's S3 API).
 *
 * @example
 * ```ts
 * const lister = createS3Lister({ bucket: 'logs', region: 'eu-west-1', prefix: '2026/' })
 * for await (const object of lister.list()) console.log(object.key, object.size)
 * ```
 */
export function createS3Lister(options: S3ListerOptions): BucketLister {
  requireOptionsObject(options)
  const { bucketUrl: base, region, isOss, unresolvedAdvice } = resolveS3Location(options)
  const anonymous = options.anonymous === true
  const credentials = anonymous
    ? undefined
    : credentialSource(options.credentials, isOss ? ['aws', 'oss'] : ['aws'])
  const fixed = requestPayerHeader('s3', options.requestPayer, anonymous)
  const sign = createS3Signer({ region })
  return new BucketLister(
    {
      id: `s3://${options.bucket}/${options.prefix ?? ''}`,
      storeName: 'the store',
      unresolvedAdvice,
      rotatingCredentials: typeof options.credentials === 'function',
      signed: !anonymous,
      wire: options.wire ?? fetchWire(options.fetch, { redirect: 'manual' }),
      async prepare(headers, query, date) {
        const url = new URL(base)
        url.search = `?${encodeQuery(query)}`
        // Before signing: SigV4 signs every header it sends.
        for (const [name, value] of fixed) headers.set(name, value)
        if (!credentials) return { url: url.href, secrets: [] }
        const c = await credentials()
        await sign({ method: 'GET', url, query, headers, date }, c)
        return {
          url: url.href,
          secrets: [c.secretAccessKey, ...(c.sessionToken ? [c.sessionToken] : [])],
        }
      },
    },
    options,
  )
}
