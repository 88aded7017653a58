/**
 * What a store's host name says about the region to sign for. A host that names no region — a
 * global acceleration endpoint, a custom domain — says nothing: the caller must give one, since
 * both stores refuse a signature scoped to any region but the bucket's.
 */

// oss-<region>[-internal].aliyuncs.com and <bucket>.oss-…; s3.oss-<region>… is OSS's S3 API.
const OSS_HOST = /(?:^|\.)(?:s3\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/
// OSS's dual-stack endpoints: <region>.oss.aliyuncs.com (and <bucket>.<region>.oss…).
const OSS_DUAL_STACK_HOST = /(?:^|\.)([a-z]+-[a-z0-9-]+)\.oss\.aliyuncs\.com$/
// Global: oss-accelerate.aliyuncs.com, oss-accelerate-overseas.aliyuncs.com.
const OSS_GLOBAL = /^accelerate(?:-overseas)?$/

/**
 * The OSS region a host names (`oss-cn-hangzhou.aliyuncs.com`, its `-internal` and `s3.` forms,
 * `cn-hangzhou.oss.aliyuncs.com`), or undefined (acceleration endpoints, custom domains).
 *
 * @example
 * ```ts
 * ossRegionOfHost('examplebucket.oss-eu-central-1.aliyuncs.com') // 'eu-central-1'
 * ossRegionOfHost('oss-accelerate.aliyuncs.com') // undefined: give the bucket's region
 * ```
 */
export function ossRegionOfHost(host: string): string | undefined {
  const region = OSS_HOST.exec(host)?.[1] ?? OSS_DUAL_STACK_HOST.exec(host)?.[1]
  return region === undefined || OSS_GLOBAL.test(region) ? undefined : region
}

// s3.<region>, s3-<region> (legacy), s3.dualstack.<region>, s3-fips[.dualstack].<region>, and a
// VPC endpoint's <…>.s3.<region>.vpce; with a bucket or access point in front, or none.
const AWS_REGIONAL =
  /(?:^|\.)s3(?:-fips)?(?:[.-]dualstack)?[.-]([a-z]{2}(?:-[a-z]+)+-\d+)(?:\.vpce)?\.amazonaws\.com(?:\.cn)?$/
// The global endpoints: us-east-1's s3.amazonaws.com and s3-external-1.amazonaws.com.
const AWS_US_EAST_1 = /(?:^|\.)s3(?:-external-1)?\.amazonaws\.com$/

/** What an AWS S3 host says about its region. */
export type AwsHostRegion =
  | { readonly kind: 'region'; readonly region: string }
  /** s3-accelerate[.dualstack].amazonaws.com: global, the bucket's region must be given. */
  | { readonly kind: 'global' }
  /** Not an amazonaws.com S3 host (MinIO, R2, a custom domain, OSS). */
  | { readonly kind: 'other' }

/** The region an AWS S3 host names; `s3.amazonaws.com` and `s3-external-1` are us-east-1. */
export function awsRegionOfHost(host: string): AwsHostRegion {
  const regional = AWS_REGIONAL.exec(host)?.[1]
  if (regional !== undefined) return { kind: 'region', region: regional }
  if (AWS_US_EAST_1.test(host)) return { kind: 'region', region: 'us-east-1' }
  if (/(?:^|\.)s3-accelerate(?:\.dualstack)?\.amazonaws\.com$/.test(host)) return { kind: 'global' }
  return { kind: 'other' }
}

/**
 * AWS's S3 endpoint for `region`: `amazonaws.com.cn` for the China regions (Beijing, Ningxia),
 * which are a partition of their own, else `amazonaws.com`.
 */
export function awsEndpointFor(region: string): string {
  return `https://s3.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`
}

// A whole OSS endpoint, nothing in front: oss-<region>[-internal], its s3. form, acceleration.
const OSS_ENDPOINT = /^(?:s3\.)?oss-[a-z0-9-]+\.aliyuncs\.com$/
const OSS_DUAL_STACK_ENDPOINT = /^[a-z]+-[a-z0-9-]+\.oss\.aliyuncs\.com$/

/**
 * Whether `host` is an AWS or OSS endpoint with `bucket` in front of it
 * (`bucket.s3.<region>.amazonaws.com`, `bucket.oss-<region>.aliyuncs.com`), to be used as is. A
 * host whose first label merely equals the bucket's name is not: bucket `s3-fips` on
 * `s3-fips.us-east-1.amazonaws.com` still goes in front, or the key's first segment would be
 * taken for the bucket.
 */
export function hostNamesBucket(host: string, bucket: string): boolean {
  if (!host.startsWith(`${bucket}.`)) return false
  const rest = host.slice(bucket.length + 1)
  return (
    awsRegionOfHost(rest).kind !== 'other' ||
    OSS_ENDPOINT.test(rest) ||
    OSS_DUAL_STACK_ENDPOINT.test(rest)
  )
}
