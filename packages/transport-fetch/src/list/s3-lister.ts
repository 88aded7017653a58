import { OptionsError } from '@resumable/core'
import { credentialSource } from '../credentials.ts'
import { encodeQuery } from '../encode.ts'
import { checkBucket, isBareHost, parseEndpoint } from '../endpoint.ts'
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
  /** Endpoint origin. @default `https://s3.<region>.amazonaws.com` */
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

// The same inference as createS3Transport (kept in step with s3-transport.ts).
const AWS_HOST = /^(?:[^.]+\.)*s3[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/
const OSS_S3_HOST = /(?:^|\.)s3\.oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/

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
  checkBucket(options.bucket, false)
  if (options.endpoint === undefined && !options.region)
    throw new OptionsError('region', 'give region (AWS) or endpoint (MinIO, OSS, R2, …)')
  const endpoint = parseEndpoint(
    'endpoint',
    options.endpoint ?? `https://s3.${options.region}.amazonaws.com`,
  )
  const host = endpoint.hostname
  const isOss = host.endsWith('.aliyuncs.com')
  const region =
    options.region?.trim().replace(/^oss-/, '') ||
    OSS_S3_HOST.exec(host)?.[1] ||
    AWS_HOST.exec(host)?.[1] ||
    'us-east-1'
  const dnsLabel = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(options.bucket)
  const pathStyle = options.forcePathStyle ?? (isBareHost(host) || (!dnsLabel && !isOss))
  const base = pathStyle
    ? `${endpoint.origin}/${options.bucket}/`
    : `${endpoint.protocol}//${options.bucket}.${endpoint.host}/`
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
