function versionSuffix(versionId: string | undefined): string {
  return versionId === undefined ? '' : `?versionId=${encodeURIComponent(versionId)}`
}

/**
 * `oss://bucket/key` (+ `?versionId=`): the credential-free identity of an OSS object. Every OSS
 * transport uses this one function, so their checkpoints name the same source and resume each other's.
 *
 * @example
 * ```ts
 * ossObjectId('bkt', 'dir/a.bin', undefined) // 'oss://bkt/dir/a.bin'
 * ```
 */
export function ossObjectId(bucket: string, key: string, versionId: string | undefined): string {
  return `oss://${bucket}/${key}${versionSuffix(versionId)}`
}

/** `s3://bucket/key` (+ `?versionId=`): the credential-free identity of an S3 object. */
export function s3ObjectId(bucket: string, key: string, versionId: string | undefined): string {
  return `s3://${bucket}/${key}${versionSuffix(versionId)}`
}

/** The URL without query, fragment or user info: safe to log and stable across re-signing. */
export function urlObjectId(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`
}
