/** How the loopback mock answers cross-origin requests from a page. */
export interface CorsOptions {
  /** `Access-Control-Allow-Origin`. @default '*' */
  readonly allowOrigin?: string
  /**
   * Leave these out of `Access-Control-Expose-Headers`, as a bucket whose CORS rule forgot them
   * does: the browser then hides them from the page (case-insensitive names).
   */
  readonly hideExposedHeaders?: readonly string[]
}

/** What a bucket's CORS rule should expose for resumable downloads (README of @resumable/store-browser). */
export const EXPOSED_HEADERS: readonly string[] = [
  'ETag',
  'Content-Range',
  'Content-Length',
  'Last-Modified',
  'Accept-Ranges',
  'x-oss-hash-crc64ecma',
  'x-oss-request-id',
  'x-oss-version-id',
  'x-oss-object-type',
  'x-oss-storage-class',
  'x-oss-restore',
  'x-oss-err',
  'x-amz-checksum-crc64nvme',
  'x-amz-checksum-crc32c',
  'x-amz-checksum-crc32',
  'x-amz-checksum-sha256',
  'x-amz-checksum-sha1',
  'x-amz-checksum-type',
  'x-amz-version-id',
  'x-amz-request-id',
  'x-amz-storage-class',
  'x-amz-restore',
  'x-amz-meta-md5chksum',
  'x-amz-meta-s3cmd-attrs',
]

/** The answer to a preflight `OPTIONS`: GET and HEAD, with whatever request headers were asked for. */
export function preflightHeaders(
  options: CorsOptions,
  requestedHeaders: string | undefined,
): Record<string, string> {
  return {
    'access-control-allow-origin': options.allowOrigin ?? '*',
    'access-control-allow-methods': 'GET, HEAD',
    'access-control-allow-headers': requestedHeaders ?? '*',
    'access-control-max-age': '600',
    vary: 'Origin, Access-Control-Request-Headers',
  }
}

/** Adds the CORS headers of an actual (non-preflight) response. */
export function addCorsHeaders(headers: Headers, options: CorsOptions): void {
  const hidden = new Set((options.hideExposedHeaders ?? []).map((h) => h.toLowerCase()))
  headers.set('access-control-allow-origin', options.allowOrigin ?? '*')
  headers.set(
    'access-control-expose-headers',
    EXPOSED_HEADERS.filter((h) => !hidden.has(h.toLowerCase())).join(', '),
  )
}
