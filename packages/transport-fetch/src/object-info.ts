import {
  base64ToBytes,
  type ObjectChecksum,
  type ObjectInfo,
  type RestoreState,
} from '@resumable/core'

const ARCHIVE_CLASSES = new Set([
  // OSS
  'archive',
  'coldarchive',
  'deepcoldarchive',
  // S3 (GLACIER_IR is instant retrieval, readable as is)
  'glacier',
  'deep_archive',
])

/** Parses `x-oss-restore` / `x-amz-restore`: `ongoing-request="false", expiry-date="…"`. */
export function parseRestore(value: string | null): RestoreState | undefined {
  if (!value) return undefined
  const ongoing = /ongoing-request\s*=\s*"?(true|false)"?/i.exec(value)
  if (!ongoing) return undefined
  const expiry = /expiry-date\s*=\s*"([^"]*)"/i.exec(value)?.[1]
  return {
    ongoing: (ongoing[1] as string).toLowerCase() === 'true',
    ...(expiry ? { expiry } : {}),
  }
}

const MAX_U64 = (1n << 64n) - 1n

/** The whole-object CRC-64 the store advertises, if any. */
export function parseChecksum(headers: Headers, ranged: boolean): ObjectChecksum | undefined {
  const xz = headers.get('x-oss-hash-crc64ecma')?.trim()
  if (xz && /^\d{1,20}$/.test(xz) && BigInt(xz) <= MAX_U64) {
    // OSS always reports the whole object's CRC, also on a 206.
    return { algorithm: 'crc64xz', value: BigInt(xz) }
  }
  const nvme = headers.get('x-amz-checksum-crc64nvme')?.trim()
  const type = headers.get('x-amz-checksum-type')?.trim().toUpperCase()
  // A composite (per-part) checksum, or one on a ranged response without a declared type,
  // does not describe the whole object.
  if (!nvme || (type !== undefined && type !== 'FULL_OBJECT') || (ranged && !type)) return undefined
  try {
    const bytes = base64ToBytes(nvme)
    if (bytes.length !== 8) return undefined
    let value = 0n
    for (const b of bytes) value = (value << 8n) | BigInt(b)
    return { algorithm: 'crc64nvme', value }
  } catch {
    return undefined
  }
}

function metadata(headers: Headers): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  let any = false
  for (const [name, value] of headers) {
    const m = /^x-(?:oss|amz)-meta-(.+)$/.exec(name)
    if (m) {
      out[m[1] as string] = value
      any = true
    }
  }
  return any ? out : undefined
}

/** Builds ObjectInfo from a HEAD (or range-probe) response's headers. */
export function objectInfoFromHeaders(
  headers: Headers,
  size: number,
  options: { readonly ranged: boolean; readonly acceptRanges?: boolean },
): ObjectInfo {
  const etag = headers.get('etag') ?? undefined
  const lastModified = headers.get('last-modified') ?? undefined
  const versionId = headers.get('x-oss-version-id') ?? headers.get('x-amz-version-id') ?? undefined
  const checksum = parseChecksum(headers, options.ranged)
  const storageClass =
    headers.get('x-oss-storage-class') ?? headers.get('x-amz-storage-class') ?? undefined
  const restore = parseRestore(headers.get('x-oss-restore') ?? headers.get('x-amz-restore'))
  const contentType = headers.get('content-type') ?? undefined
  const meta = metadata(headers)
  let acceptRanges = options.acceptRanges
  if (acceptRanges === undefined) {
    const header = headers.get('accept-ranges')?.trim().toLowerCase()
    if (header === 'none') acceptRanges = false
    else if (header === 'bytes') acceptRanges = true
  }
  return {
    size,
    ...(etag !== undefined ? { etag } : {}),
    ...(lastModified !== undefined ? { lastModified } : {}),
    ...(versionId !== undefined ? { versionId } : {}),
    ...(checksum ? { checksum } : {}),
    ...(storageClass !== undefined ? { storageClass } : {}),
    ...(restore ? { restore } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(meta ? { metadata: meta } : {}),
    ...(acceptRanges !== undefined ? { acceptRanges } : {}),
  }
}

/** True when the object sits in an archive tier and no finished restore makes it readable. */
export function isArchivedUnrestored(info: ObjectInfo, headers: Headers): boolean {
  const tiered = headers.get('x-amz-archive-status') // S3 Intelligent-Tiering archive tiers
  const archived =
    (info.storageClass !== undefined && ARCHIVE_CLASSES.has(info.storageClass.toLowerCase())) ||
    (tiered !== null && /ARCHIVE_ACCESS/i.test(tiered))
  return archived && (info.restore === undefined || info.restore.ongoing)
}
