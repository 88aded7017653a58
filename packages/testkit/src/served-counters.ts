/** One request as the mock saw it. */
export interface ServedRequest {
  readonly method: string
  /** The request URL as received. */
  readonly url: string
  readonly bucket: string
  readonly key: string
  /** The Range header, or null. */
  readonly range: string | null
  /** Request headers, lower-case names (Authorization included: tests may check what was signed). */
  readonly headers: Readonly<Record<string, string>>
  readonly status: number
  /** The fault injected into this request, if any (its `type`). */
  readonly fault: string | undefined
}

/** What the mock served, for tests that assert what was (re)fetched. */
export interface ServedCounters {
  requests: number
  byMethod: Record<string, number>
  byStatus: Record<number, number>
  /** Body bytes handed to the client (a reset or a cancelled read stops the count). */
  bodyBytes: number
  /** Every request, in arrival order. */
  log: ServedRequest[]
}

/** Fresh, zeroed counters. */
export function emptyCounters(): ServedCounters {
  return { requests: 0, byMethod: {}, byStatus: {}, bodyBytes: 0, log: [] }
}

/** Counts one answered request. */
export function countRequest(served: ServedCounters, entry: ServedRequest): void {
  served.requests++
  served.byMethod[entry.method] = (served.byMethod[entry.method] ?? 0) + 1
  served.byStatus[entry.status] = (served.byStatus[entry.status] ?? 0) + 1
  served.log.push(entry)
}
