import { OptionsError } from '@resumable/core'
import { encodeKeyPath } from './encode.ts'
import { checkBucket, checkKey, isBareHost, parseEndpoint } from './endpoint.ts'
import { ossRegionOfHost } from './store-hosts.ts'

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
    const host = endpoint.hostname.startsWith(`${options.bucket}.`)
      ? endpoint.host
      : `${options.bucket}.${endpoint.host}`
    url = new URL(`${endpoint.protocol}//${host}/${path}`)
  }
  return { url, region: given || inferred }
}
