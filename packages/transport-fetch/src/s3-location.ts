import { OptionsError } from '@resumable/core'
import { checkBucket, isBareHost, parseEndpoint } from './endpoint.ts'
import { awsEndpointFor, awsRegionOfHost, hostNamesBucket, ossRegionOfHost } from './store-hosts.ts'

/** Where an S3 bucket is and how to address it (the options an S3 transport and lister share). */
export interface S3LocationOptions {
  readonly bucket: string
  readonly region?: string
  readonly endpoint?: string
  readonly forcePathStyle?: boolean
}

/** A resolved S3 bucket location. */
export interface S3Location {
  /** The bucket's URL, ending in `/`: the object's key path is appended to it. */
  readonly bucketUrl: string
  /** The endpoint as given (or AWS's for the region). */
  readonly endpoint: URL
  /** The region requests are signed for. */
  readonly region: string
  /** OSS's S3-compatible API (`*.aliyuncs.com`): virtual-hosted only, OSS credentials accepted. */
  readonly isOss: boolean
  /**
   * When the bucket went into another store's host name (virtual-hosted on MinIO, Ceph, …, which
   * answer that only when set up for it): what to say should that name not resolve.
   */
  readonly unresolvedAdvice: string | undefined
}

const PATH_STYLE_ADVICE =
  "check the endpoint; a store that does not serve buckets as host names (MinIO, Ceph and most self-hosted stores, unless set up for it) needs path-style requests (forcePathStyle; the CLI's --path-style)"

/**
 * Resolves bucket, region and endpoint to the bucket's URL and signing region, for AWS S3, OSS's
 * S3 API and S3-compatible stores. The region given wins; else the endpoint's host names it
 * (`s3.<region>`, dual-stack, FIPS and VPC endpoints; `s3.oss-<region>.aliyuncs.com`); else
 * us-east-1, as the AWS SDKs assume for a store that does not care (MinIO, R2's `auto`). A global
 * acceleration endpoint names no region and is refused without one: S3 and OSS refuse a signature
 * scoped to another region than the bucket's.
 */
export function resolveS3Location(options: S3LocationOptions): S3Location {
  // Legacy S3 buckets may hold upper case and underscores (then only path style reaches them).
  checkBucket(options.bucket, false)
  const given = options.region?.trim().replace(/^oss-/, '')
  if (options.endpoint === undefined && !given)
    throw new OptionsError('region', 'give region (AWS) or endpoint (MinIO, OSS, R2, …)')
  const endpoint = parseEndpoint('endpoint', options.endpoint ?? awsEndpointFor(given as string))
  const host = endpoint.hostname
  const isOss = host.endsWith('.aliyuncs.com')
  if (isOss && options.forcePathStyle)
    throw new OptionsError('forcePathStyle', 'OSS accepts only virtual-hosted requests')
  const aws = awsRegionOfHost(host)
  const named = isOss ? ossRegionOfHost(host) : aws.kind === 'region' ? aws.region : undefined
  if (!given && named === undefined && (aws.kind === 'global' || isOss))
    throw new OptionsError(
      'region',
      `is required for ${host}: an acceleration endpoint names no region, and the store refuses a signature for any but the bucket's`,
    )
  const region = given || named || 'us-east-1'
  // As the AWS SDKs do: names that are not one DNS label (dots break TLS wildcards) go path style.
  const dnsLabel = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(options.bucket)
  const pathStyle = options.forcePathStyle ?? (isBareHost(host) || (!dnsLabel && !isOss))
  // An AWS or OSS endpoint that already names the bucket (bucket.s3.<region>.amazonaws.com) is
  // used as is; on another store's host a leading label may be anything.
  const bucketHost = (aws.kind !== 'other' || isOss) && hostNamesBucket(host, options.bucket)
  const bucketUrl = pathStyle
    ? `${endpoint.origin}/${options.bucket}/`
    : bucketHost
      ? `${endpoint.origin}/`
      : `${endpoint.protocol}//${options.bucket}.${endpoint.host}/`
  const guessed = !pathStyle && !bucketHost && aws.kind === 'other' && !isOss
  return {
    bucketUrl,
    endpoint,
    region,
    isOss,
    unresolvedAdvice: guessed ? PATH_STYLE_ADVICE : undefined,
  }
}
