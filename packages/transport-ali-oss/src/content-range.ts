/** A parsed `Content-Range: bytes first-last/total` (total undefined for `*`). */
export interface ContentRange {
  /** First byte (inclusive). */
  readonly start: number
  /** Last byte (inclusive). */
  readonly end: number
  /** Complete length, when the server knows it. */
  readonly total: number | undefined
}

const CONTENT_RANGE = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i

/** Parses a satisfied byte range; undefined when absent or malformed. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  const match = value === undefined ? null : CONTENT_RANGE.exec(value)
  if (!match) return undefined
  const start = Number(match[1])
  const end = Number(match[2])
  const total = match[3] === '*' ? undefined : Number(match[3])
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined
  if (total !== undefined && (!Number.isSafeInteger(total) || end >= total)) return undefined
  return { start, end, total }
}
