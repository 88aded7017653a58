/** A parsed satisfied `Content-Range: bytes first-last/size`. */
export interface ContentRange {
  /** First byte offset. */
  readonly start: number
  /** Last byte offset, inclusive. */
  readonly end: number
  /** The object's complete length; undefined when the server sent `*`. */
  readonly size: number | undefined
}

function safeInt(text: string): number | undefined {
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

/**
 * Parses a satisfied `Content-Range`; undefined when absent, malformed, or the unsatisfied form.
 *
 * @example
 * ```ts
 * parseContentRange('bytes 0-99/1000') // { start: 0, end: 99, size: 1000 }
 * ```
 */
export function parseContentRange(value: string | null | undefined): ContentRange | undefined {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? '')
  if (!m) return undefined
  const start = safeInt(m[1] as string)
  const end = safeInt(m[2] as string)
  const size = m[3] === '*' ? undefined : safeInt(m[3] as string)
  if (start === undefined || end === undefined || end < start) return undefined
  if (m[3] !== '*' && (size === undefined || end >= size)) return undefined
  return { start, end, size }
}

/** The complete length from an unsatisfied-range answer (`bytes *` then `/length`, sent with a 416). */
export function parseUnsatisfiedRange(value: string | null | undefined): number | undefined {
  const m = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(value ?? '')
  return m ? safeInt(m[1] as string) : undefined
}

/** A non-negative safe-integer `Content-Length`, or undefined when absent or malformed. */
export function parseContentLength(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined
  return safeInt(value.trim())
}
