import type { ByteSource } from '@resumable/core'
import type { FetchLike } from '../types.ts'
import { followRedirects } from './redirects.ts'
import type { Wire, WireRequest, WireResponse } from './wire.ts'

/** How `fetchWire` treats redirects and reads bodies. */
export interface FetchWireOptions {
  /**
   * `'follow'` (what every wire does: at most 20, credentials dropped across origins, a `Location`
   * with a user name or password refused) or `'manual'`, which hands the 3xx back. A request's own `redirect` wins: signed modes set
   * `'manual'` on every request, whatever wire they are given. @default 'follow'
   */
  readonly redirect?: 'follow' | 'manual' | undefined
  /**
   * Read a body that is a byte stream with a BYOB reader into one reused buffer, its chunks lent.
   * On Deno that took a third of the user CPU of the stream's own reader for the same GiB; on
   * Node, whose `fetch` (undici) then copies every queued chunk once more, it cost 15 %, so the
   * Node entry of this package defaults it to false (BENCHMARKS.md). @default true
   */
  readonly readInto?: boolean | undefined
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
 * Bytes of the one buffer a byte-stream body is read into. Deno, 1 GiB from loopback nginx in
 * 8 MiB ranges at c = 8: 64 KiB / 256 KiB / 1 MiB reads took 0.27–0.31 / 0.24–0.27 / 0.21–0.24
 * user-s (BENCHMARKS.md); 256 KiB keeps 2 MiB per eight connections.
 */
export const LENT_READ_BYTES: number = 256 * 1024

/** The body and its release, as the response hands them out. */
interface BodyReading {
  readonly body: ByteSource
  readonly chunksLent?: true
  discard(): Promise<void>
}

/**
 * Reads a byte stream with a BYOB reader into one buffer it takes back on every read, so its
 * chunks are lent. Deno's fetch bodies read so took a third of the user CPU of its default
 * reader, and half the memory, for the same GiB (BENCHMARKS.md); a stream that is not a byte
 * stream (Bun's) is handed out as it is.
 */
function readBody(stream: ReadableStream<Uint8Array>, readInto: boolean): BodyReading {
  // Cancelling a stream a reader holds rejects; that reader then frees it itself.
  const asItIs = { body: stream, discard: () => stream.cancel().catch(() => undefined) }
  if (!readInto) return asItIs
  let reader: ReadableStreamBYOBReader
  try {
    reader = stream.getReader({ mode: 'byob' })
  } catch {
    return asItIs
  }
  let buffer: ArrayBuffer | undefined = new ArrayBuffer(LENT_READ_BYTES)
  const release = (): Promise<void> => reader.cancel().catch(() => undefined)
  const chunks: AsyncIterator<Uint8Array, undefined> = {
    async next() {
      if (buffer === undefined) return { done: true, value: undefined }
      // The read transfers the buffer; the chunk it answers with views the same memory.
      const { done, value } = await reader.read(new Uint8Array(buffer))
      buffer = value?.buffer as ArrayBuffer | undefined
      return done || value === undefined ? { done: true, value: undefined } : { done, value }
    },
    async return() {
      buffer = undefined
      await release()
      return { done: true, value: undefined }
    },
  }
  return { body: { [Symbol.asyncIterator]: () => chunks }, chunksLent: true, discard: release }
}

/**
 * A Wire over WHATWG `fetch`: Node (undici), Deno, Bun and browsers. `fetchImpl` defaults to
 * `globalThis.fetch`, looked up per request so a later polyfill or mock is honoured.
 *
 * Redirects are followed by `followRedirects`, the Node wire's loop, over `redirect: 'manual'`
 * requests, so every runtime obeys the same rules: left to themselves, Deno's fetch follows a
 * `Location` carrying `user:password@` and sends those server-chosen credentials as
 * `Authorization`, Bun's follows it without them, Node's refuses it. A browser hands a manual
 * redirect back opaque (`type: 'opaqueredirect'`, status 0, no `Location`): there the wire sends
 * that request once more with `redirect: 'follow'` and follows natively from then on, which the
 * Fetch standard makes safe enough (HTTP-redirect fetch: a `cors`-mode request, what `fetch()`
 * sends by default, redirected to another origin whose URL includes credentials, is a network
 * error; `Authorization` is dropped across origins).
 *
 * @example
 * ```ts
 * import { createUrlTransport, fetchWire } from '@resumable/transport-fetch'
 * const transport = createUrlTransport({ url: 'https://example.com/big.iso', wire: fetchWire() })
 * ```
 */
export function fetchWire(fetchImpl?: FetchLike, options: FetchWireOptions = {}): Wire {
  const fallback = options.redirect ?? 'follow'
  const readInto = options.readInto ?? true
  // Set once a manual redirect came back opaque: this runtime (a browser) must follow by itself.
  let followsNatively = false
  const fetchOnce = (request: WireRequest, redirect: 'follow' | 'manual'): Promise<Response> => {
    const f: FetchLike = fetchImpl ?? globalThis.fetch
    // Called as a plain function: some runtimes reject fetch invoked with a foreign `this`.
    return f(request.url, {
      method: request.method,
      headers: request.headers,
      redirect,
      ...(request.body ? { body: request.body as Uint8Array<ArrayBuffer> } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    })
  }
  const wired = (response: Response): ListedWireResponse => {
    const reading: BodyReading = response.body
      ? readBody(response.body, readInto)
      : { body: noBody(), discard: () => Promise.resolve() }
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      headerNames: () => response.headers.keys(),
      ...reading,
    }
  }
  const sendHop = async (hop: WireRequest): Promise<ListedWireResponse> => {
    const response = await fetchOnce(hop, 'manual')
    if (response.type !== 'opaqueredirect') return wired(response)
    followsNatively = true
    return wired(await fetchOnce(hop, 'follow'))
  }
  return {
    async send(request) {
      const redirect = request.redirect ?? fallback
      if (redirect === 'manual' || followsNatively) return wired(await fetchOnce(request, redirect))
      return followRedirects(sendHop, request)
    },
  }
}
