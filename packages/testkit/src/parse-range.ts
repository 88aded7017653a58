/** A Range header, read as OSS reads it. */
export type ParsedRange =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly start: number; readonly end: number }
  /** Syntactically wrong or several ranges: OSS ignores such a header (200 whole object). */
  | { readonly kind: 'ignored' }
  /** Well-formed but starts past the end: 416 only with `x-oss-range-behavior: standard`. */
  | { readonly kind: 'unsatisfiable' }

/**
 * Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` against `size`. Without `standard`, OSS ignores an
 * out-of-bounds range entirely (200, whole object); with it, an end past EOF is clamped.
 */
export function parseRange(header: string | null, size: number, standard: boolean): ParsedRange {
  if (header === null) return { kind: 'none' }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'ignored' }
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0) return standard ? { kind: 'unsatisfiable' } : { kind: 'ignored' }
    if (suffix > size && !standard) return { kind: 'ignored' }
    return { kind: 'ok', start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Number(match[2])
  if (start >= size) return standard ? { kind: 'unsatisfiable' } : { kind: 'ignored' }
  if (end < start) return { kind: 'ignored' }
  if (end >= size && !standard) return { kind: 'ignored' }
  return { kind: 'ok', start, end: Math.min(end, size - 1) }
}
