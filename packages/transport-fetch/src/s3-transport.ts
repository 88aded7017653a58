import { OptionsError } from '@resumable/core'
import { s3ObjectId } from '@resumable/core/http'
import { credentialSource } from './credentials.ts'
import { encodeKeyPath, encodeQuery } from './encode.ts'
import { checkKey, isLoopback } from './endpoint.ts'
import { FetchTransport } from './fetch-transport.ts'
import { requireOptionsObject } from './options-object.ts'
import { resolveS3Location } from './s3-location.ts'
import { createS3Signer } from './s3-signer.ts'
import {
  applyStoreHeaders,
  requestPayerHeader,
  type StoreHeaders,
  sseCustomerHeaders,
} from './store-headers.ts'
import type { CommonTransportOptions, Credentials, CredentialsProvider } from './types.ts'
import type { WirePlan } from './wire-plan.ts'

/** Options of S3 mode: AWS S3, MinIO, R2, OSS's S3-compatible endpoint; requests signed with SigV4. */
export interface S3TransportOptions extends CommonTransportOptions {
  /** Bucket name. */
  readonly bucket: string
  /** Object key. */
  readonly key: string
  /**
   * Signing region. Inferred from the endpoint's host (`s3.<region>.amazonaws.com`, its dual-stack,
   * FIPS and VPC forms, `s3.oss-<region>.aliyuncs.com`); required with an acceleration endpoint.
   * @default 'us-east-1'
   */
  readonly region?: string
  /** Endpoint origin (`http://127.0.0.1:9000` for MinIO). @default `https://s3.<region>.amazonaws.com` (`.com.cn` for the China regions) */
  readonly endpoint?: string
  /** Path-style `endpoint/bucket/key` (MinIO). OSS accepts only virtual-hosted requests. @default false; true for IP/localhost endpoints and bucket names that are not one DNS label */
  readonly forcePathStyle?: boolean
  /** Keys, or a provider called before every request (rotating STS). @default AWS_* env, then OSS_* env for an aliyuncs.com endpoint */
  readonly credentials?: Credentials | CredentialsProvider
  /** Send unsigned requests (public-read objects). @default false */
  readonly anonymous?: boolean
  /** Read this version; it becomes part of `id`. */
  readonly versionId?: string
  /** Also pin the version `stat` saw (needs `s3:GetObjectVersion`). @default false */
  readonly pinVersion?: boolean
  /** Send `x-amz-request-payer: requester` (signed) on HEAD and GET: you pay for reading a Requester Pays bucket. @default false */
  readonly requestPayer?: boolean
  /**
   * The SSE-C customer key of an object stored with one: 32 raw bytes or their base64. Sent (with
   * its MD5) on HEAD and GET, only over https or to a loopback host; never written to a message.
   */
  readonly sseCustomerKey?: Uint8Array | string
}

/**
 * Creates a Transport for one object in an S3-compatible store, signing with AWS Signature V4.
 *
 * @example
 * ```ts
 * import { createS3Transport } from '@resumable/transport-fetch'
 *
 * // AWS S3 (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or MinIO with `endpoint`.
 * const transport = createS3Transport({ bucket: 'my-bucket', key: 'big.iso', region: 'eu-west-1' })
 * ```
 */
export function createS3Transport(options: S3TransportOptions): FetchTransport {
  requireOptionsObject(options)
  const { bucketUrl, endpoint, region, isOss, unresolvedAdvice } = resolveS3Location(options)
  checkKey(options.key)
  const host = endpoint.hostname
  const anonymous = options.anonymous === true
  const base = new URL(`${bucketUrl}${encodeKeyPath(options.key)}`)
  const credentials = anonymous
    ? undefined
    : credentialSource(options.credentials, isOss ? ['aws', 'oss'] : ['aws'])
  const sign = createS3Signer({ region })
  const sse = sseCustomerHeaders(options.sseCustomerKey)
  // S3 refuses SSE-C over plain HTTP, and a key sent in clear text is as good as published.
  if (sse.headers.length > 0 && endpoint.protocol === 'http:' && !isLoopback(host)) {
    throw new OptionsError('sseCustomerKey', 'is sent only over https (or to a loopback host)')
  }
  const fixed: StoreHeaders = {
    always: [...requestPayerHeader('s3', options.requestPayer, anonymous), ...sse.headers],
    readOnly: [],
    secrets: sse.secrets,
  }
  const plan: WirePlan = {
    id: s3ObjectId(options.bucket, options.key, options.versionId),
    flavor: 's3',
    statMethod: 'head',
    canAddQuery: true,
    versionId: options.versionId,
    rotatingCredentials: typeof options.credentials === 'function',
    signed: !anonymous,
    redirect: 'manual',
    unresolvedAdvice,
    async prepare(method, headers, query, date) {
      const url = new URL(base.href)
      if (query.length > 0) url.search = `?${encodeQuery(query)}`
      applyStoreHeaders(fixed, method, headers)
      if (!credentials) return { url: url.href, secrets: fixed.secrets }
      const c = await credentials()
      await sign({ method, url, query, headers, date }, c)
      return {
        url: url.href,
        secrets: [c.secretAccessKey, ...(c.sessionToken ? [c.sessionToken] : []), ...fixed.secrets],
      }
    },
  }
  return new FetchTransport(plan, {
    wire: options.wire,
    fetch: options.fetch,
    skipArchiveCheck: options.skipArchiveCheck,
    pinVersion: options.pinVersion,
  })
}
