import { OptionsError } from '@resumable/core'
import { encodeKeyPath } from './encode.ts'
import { checkBucket, checkKey, isBareHost, parseEndpoint } from './endpoint.ts'
import { hostNamesBucket, ossRegionOfHost } from './store-hosts.ts'

/** Where an OSS object lives. */
export interface OssLocationOptions {
  /** Bucket name. */
  readonly bucket: string
  /** Object key. */
  readonly key: string
  /**
   * Region id (`cn-hangzhou`; an `oss-` prefix is accepted and dropped). Inferred from a regional
   * `*.aliyuncs.com` endpoint (`oss-<region>`, `-internal`, dual-stack `<region>.oss`), never from
   * an acceleration endpoint or a custom domain.
   */
  readonly region?: string
  /** Endpoint: `https://oss-cn-hangzhou.aliyuncs.com`, an `-internal` one, or a custom domain with `cname`. @default `https://oss-<region>.aliyuncs.com` */
  readonly endpoint?: string
  /** The endpoint is a custom domain bound to the bucket: send requests to it as is. @default false */
  readonly cname?: boolean
}

/** Resolved request URL base and signing region. */
export interface OssLocation {
  /** URL of the object, path encoded, no query. */
  readonly url: URL
  /** Region for the V4 scope, when known. */
  readonly region: string | undefined
}

/** Resolves bucket/key/region/endpoint to the virtual-hosted URL OSS requires. */
export function resolveOssLocation(options: OssLocationOptions): OssLocation {
  checkBucket(options.bucket)
  checkKey(options.key)
  const given = options.region?.trim().replace(/^oss-/, '')
  if (options.endpoint === undefined && !given) {
    throw new OptionsError('region', 'give region (e.g. "cn-hangzhou") or endpoint')
  }
  const endpoint = parseEndpoint(
    'endpoint',
    options.endpoint ?? `https://oss-${given}.aliyuncs.com`,
  )
  const inferred = options.cname ? undefined : ossRegionOfHost(endpoint.hostname)
  const path = encodeKeyPath(options.key)
  let url: URL
  if (options.cname) {
    url = new URL(`${endpoint.origin}/${path}`)
  } else if (isBareHost(endpoint.hostname)) {
    // No sub-domain on an IP or localhost (emulators, tests): path-style, as ali-oss does.
    url = new URL(`${endpoint.origin}/${options.bucket}/${path}`)
  } else {
    // An OSS endpoint names the bucket only in front of a whole endpoint; another host (a proxy
    // in front of OSS) is taken as it was given when it starts with the bucket.
    const named = endpoint.hostname.endsWith('.aliyuncs.com')
      ? hostNamesBucket(endpoint.hostname, options.bucket)
      : endpoint.hostname.startsWith(`${options.bucket}.`)
    const host = named ? endpoint.host : `${options.bucket}.${endpoint.host}`
    url = new URL(`${endpoint.protocol}//${host}/${path}`)
  }
  return { url, region: given || inferred }
}
