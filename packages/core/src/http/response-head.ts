/**
 * What the HTTP layer reads of a response: its status and its headers by lower-case name.
 * A wire's response fits as is; `headFromRecord` and `headFromHeaders` adapt the other shapes.
 */
export interface ResponseHead {
  /** HTTP status code. */
  readonly status: number
  /** A header by lower-case name (several values joined with `, `), or undefined. */
  header(name: string): string | undefined
  /** Every header name, lower case. Without it, user metadata (`x-oss-meta-*`) cannot be listed. */
  headerNames?(): Iterable<string>
}

/** A ResponseHead over WHATWG `Headers`. */
export function headFromHeaders(status: number, headers: Headers): ResponseHead {
  return {
    status,
    header: (name) => headers.get(name) ?? undefined,
    headerNames: () => headers.keys(),
  }
}

/** A ResponseHead over a node:http-style header object (`{ 'content-length': '10', 'set-cookie': [...] }`). */
export function headFromRecord(status: number, headers: object | undefined): ResponseHead {
  const record = (typeof headers === 'object' && headers !== null ? headers : {}) as Record<
    string,
    unknown
  >
  const lower = new Map<string, string>()
  for (const name of Object.keys(record)) lower.set(name.toLowerCase(), name)
  return {
    status,
    header(name) {
      const key = lower.get(name)
      const value: unknown = key === undefined ? undefined : record[key]
      if (typeof value === 'string') return value
      if (typeof value === 'number') return String(value)
      if (Array.isArray(value)) return value.map(String).join(', ')
      return undefined
    },
    headerNames: () => lower.keys(),
  }
}

/** The store's request id, for error details: OSS's, then S3's. */
export function requestIdOf(head: ResponseHead): string | undefined {
  return head.header('x-oss-request-id') ?? head.header('x-amz-request-id')
}
