/** `oss://bucket/key` (+ `?versionId=`), the same identity @resumable/transport-fetch gives. */
export function ossObjectId(bucket: string, key: string, versionId: string | undefined): string {
  const version = versionId === undefined ? '' : `?versionId=${encodeURIComponent(versionId)}`
  return `oss://${bucket}/${key}${version}`
}
