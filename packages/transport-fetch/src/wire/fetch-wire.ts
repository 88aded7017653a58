import type { FetchLike } from '../types.ts'
import type { Wire, WireResponse } from './wire.ts'

/** How `fetchWire` treats redirects. */
export interface FetchWireOptions {
  /**
   * `'follow'` (what every wire does: at most 20, `authorization` dropped across origins) or
   * `'manual'`, which hands the 3xx back. A request's own `redirect` wins: signed modes set
   * `'manual'` on every request, whatever wire they are given. @default 'follow'
   */
  readonly redirect?: 'follow' | 'manual' | undefined
}

/** A WireResponse that can also list its header names (for user metadata). */
export interface ListedWireResponse extends WireResponse {
  /** Every header name, lower case. */
  headerNames(): Iterable<string>
}

async function* noBody(): AsyncGenerator<Uint8Array> {
  // A HEAD (or a 204) has no body: an empty source keeps `body` a ByteSource.
}

/**
 * A Wire over WHATWG `fetch`: Node (undici), Deno, Bun and browsers. `fetchImpl` defaults to
 * `globalThis.fetch`, looked up per request so a later polyfill or mock is honoured.
 *
 * @example
 * ```ts
 * import { createUrlTransport, fetchWire } from '@resumable/transport-fetch'
 * const transport = createUrlTransport({ url: 'https://example.com/big.iso', wire: fetchWire() })
 * ```
 */
export function fetchWire(fetchImpl?: FetchLike, options: FetchWireOptions = {}): Wire {
  const fallback = options.redirect ?? 'follow'
  return {
    async send(request) {
      const f: FetchLike = fetchImpl ?? globalThis.fetch
      // Called as a plain function: some runtimes reject fetch invoked with a foreign `this`.
      const response = await f(request.url, {
        method: request.method,
        headers: request.headers,
        redirect: request.redirect ?? fallback,
        ...(request.signal ? { signal: request.signal } : {}),
      })
      const wired: ListedWireResponse = {
        status: response.status,
        header: (name) => response.headers.get(name) ?? undefined,
        headerNames: () => response.headers.keys(),
        body: response.body ?? noBody(),
        // Cancelling a stream a reader holds rejects; that reader then frees it itself.
        discard: () => response.body?.cancel().catch(() => undefined) ?? Promise.resolve(),
      }
      return wired
    },
  }
}
