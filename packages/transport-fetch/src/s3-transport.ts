import { OptionsError } from '@resumable/core'
import { s3ObjectId } from '@resumable/core/http'
import { credentialSource } from './credentials.ts'
import { encodeKeyPath, encodeQuery } from './encode.ts'
import { checkBucket, checkKey, isBareHost, parseEndpoint } from './endpoint.ts'
import { FetchTransport } from './fetch-transport.ts'
import { createS3Signer } from './s3-signer.ts'
import type { CommonTransportOptions, Credentials, CredentialsProvider } from './types.ts'
import type { WirePlan } from './wire-plan.ts'

/** Options of S3 mode: AWS S3, MinIO, R2, OSS's S3-compatible endpoint; requests signed with SigV4. */
export interface S3TransportOptions extends CommonTransportOptions {
  /** Bucket name. */
  readonly bucket: string
  /** Object key. */
  readonly key: string
  /** Signing region. Inferred from `s3.<region>.amazonaws.com` and `s3.oss-<region>.aliyuncs.com`. @default 'us-east-1' */
  readonly region?: string
  /** Endpoint origin (`http://127.0.0.1:9000` for MinIO). @default `https://s3.<region>.amazonaws.com` */
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
}

const AWS_HOST = /^(?:[^.]+\.)*s3[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/
const OSS_S3_HOST = /(?:^|\.)s3\.oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/

/**
 * Creates a Transport for one object in an S3-compatible store, signing with @smithy/signature-v4.
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
  // Legacy S3 buckets may hold upper case and underscores (then only path style reaches them).
  checkBucket(options.bucket, false)
  checkKey(options.key)
  if (options.endpoint === undefined && !options.region) {
    throw new OptionsError('region', 'give region (AWS) or endpoint (MinIO, OSS, R2, …)')
  }
  const endpoint = parseEndpoint(
    'endpoint',
    options.endpoint ?? `https://s3.${options.region}.amazonaws.com`,
  )
  const host = endpoint.hostname
  const isOss = host.endsWith('.aliyuncs.com')
  if (isOss && options.forcePathStyle) {
    throw new OptionsError('forcePathStyle', 'OSS accepts only virtual-hosted requests')
  }
  const region =
    options.region?.trim().replace(/^oss-/, '') ||
    OSS_S3_HOST.exec(host)?.[1] ||
    AWS_HOST.exec(host)?.[1] ||
    'us-east-1'
  // As the AWS SDKs do: names that are not one DNS label (dots break TLS wildcards) go path style.
  const dnsLabel = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(options.bucket)
  const pathStyle = options.forcePathStyle ?? (isBareHost(host) || (!dnsLabel && !isOss))
  const path = encodeKeyPath(options.key)
  const base = pathStyle
    ? new URL(`${endpoint.origin}/${options.bucket}/${path}`)
    : new URL(`${endpoint.protocol}//${options.bucket}.${endpoint.host}/${path}`)
  const anonymous = options.anonymous === true
  const credentials = anonymous
    ? undefined
    : credentialSource(options.credentials, isOss ? ['aws', 'oss'] : ['aws'])
  const sign = createS3Signer({ region })
  const plan: WirePlan = {
    id: s3ObjectId(options.bucket, options.key, options.versionId),
    flavor: 's3',
    statMethod: 'head',
    canAddQuery: true,
    versionId: options.versionId,
    rotatingCredentials: typeof options.credentials === 'function',
    signed: !anonymous,
    redirect: 'manual',
    async prepare(method, headers, query, date) {
      const url = new URL(base.href)
      if (query.length > 0) url.search = `?${encodeQuery(query)}`
      if (!credentials) return { url: url.href, secrets: [] }
      const c = await credentials()
      await sign({ method, url, query, headers, date }, c)
      return {
        url: url.href,
        secrets: [c.secretAccessKey, ...(c.sessionToken ? [c.sessionToken] : [])],
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
