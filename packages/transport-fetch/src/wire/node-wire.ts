import { Agent, type Dispatcher } from 'undici'
import type { ListedWireResponse } from './fetch-wire.ts'
import type { Wire, WireRequest } from './wire.ts'

/** Options of {@link nodeWire}. */
export interface NodeWireOptions {
  /**
   * Most connections kept open per origin. Must be at least the download's concurrency, or parts
   * wait for a connection.
   * @default 64
   */
  readonly maxSockets?: number
}

const redirectStatuses = new Set([301, 302, 303, 307, 308])
const maxRedirects = 20

/**
 * Headers that must not reach another origin: credentials and every signing header. A signed
 * request is never followed at all (`redirect: 'manual'`); this covers a caller who sends signed
 * headers with `'follow'`.
 */
function crossOriginHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization' || name === 'proxy-authorization' || name === 'cookie') continue
    if (name === 'host' || name.startsWith('x-amz-') || name.startsWith('x-oss-')) continue
    kept[name] = value
  }
  return kept
}

/**
 * A {@link Wire} on undici's dispatcher with keep-alive connections: each chunk goes from the
 * HTTP parser to the reader as it arrived, with no web-stream or `Readable` in between (0.68× the
 * CPU per byte of a `node:http` wire, 0.47× of `fetch`, on loopback nginx; see BENCHMARKS.md).
 * Node only. Follows redirects like fetch (unless the request says `redirect: 'manual'`, as signed
 * requests do), dropping credentials and `x-amz-*`/`x-oss-*` headers across origins; never
 * decompresses.
 *
 * @example
 * ```ts
 * import { nodeWire } from '@resumable/transport-fetch/node'
 * const wire = nodeWire({ maxSockets: 16 })
 * const response = await wire.send({ method: 'GET', url, headers: { range: 'bytes=0-99' } })
 * for await (const chunk of response.body) consume(chunk)
 * ```
 */
export function nodeWire(options: NodeWireOptions = {}): Wire {
  const dispatcher = new Agent({ connections: options.maxSockets ?? 64, pipelining: 1 })
  return {
    async send(request: WireRequest): Promise<ListedWireResponse> {
      let url = new URL(request.url)
      let headers: Record<string, string> = { ...request.headers }
      for (let hops = 0; ; hops++) {
        const response = await sendOnce(dispatcher, request, url, headers)
        const location = response.header('location')
        if (
          request.redirect === 'manual' ||
          !redirectStatuses.has(response.status) ||
          location === undefined
        )
          return response
        await response.drain()
        if (hops === maxRedirects) throw new TypeError('redirect count exceeded')
        const next = new URL(location, url)
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new TypeError(`redirect to an unsupported protocol ${next.protocol}`)
        }
        if (next.origin !== url.origin) headers = crossOriginHeaders(headers)
        url = next
      }
    },
  }
}

interface Waiter {
  resolve(result: IteratorResult<Uint8Array>): void
  reject(error: unknown): void
}

/** A response that can also be drained (read and dropped) to keep its connection. */
interface DrainableResponse extends ListedWireResponse {
  drain(): Promise<void>
}

/** Chunks (up to 64 KiB each, as the socket delivered them) queued before the connection is paused. */
const highWaterChunks = 4

/**
 * Dispatches one request. The handler queues body chunks and pauses the connection while the
 * reader is behind, so memory stays at a few chunks per request whatever the body's size.
 */
function sendOnce(
  dispatcher: Dispatcher,
  request: WireRequest,
  url: URL,
  headers: Record<string, string>,
): Promise<DrainableResponse> {
  const { signal } = request
  if (signal?.aborted) return Promise.reject(signal.reason)
  return new Promise((resolveHeaders, rejectHeaders) => {
    let controller: Dispatcher.DispatchController | undefined
    let started = false
    const queue: Uint8Array[] = []
    let ended = false
    let draining = false
    let failure: { error: unknown } | undefined
    let pending: Waiter | undefined
    let drained: (() => void) | undefined

    const settle = (): void => {
      if (ended || failure) drained?.()
      if (!pending) return
      const current = pending
      const chunk = queue.shift()
      if (chunk) current.resolve({ done: false, value: chunk })
      else if (failure) current.reject(failure.error)
      else if (ended) current.resolve({ done: true, value: undefined })
      else return
      pending = undefined
    }
    const fail = (error: unknown): void => {
      if (failure || ended) return
      failure = { error }
      queue.length = 0
      detach()
      if (started) settle()
      else rejectHeaders(error)
    }
    const onAbort = (): void => {
      const reason = signal?.reason
      fail(reason)
      controller?.abort(reason instanceof Error ? reason : new Error(String(reason)))
    }
    const detach = (): void => signal?.removeEventListener('abort', onAbort)
    signal?.addEventListener('abort', onAbort, { once: true })

    const discard = async (): Promise<void> => {
      if (ended || failure) return
      fail(new Error('the body was discarded'))
      // Draining an unknown remainder could take as long as the download; closing frees the connection now.
      controller?.abort(new Error('the body was discarded'))
    }

    const iterator: AsyncIterableIterator<Uint8Array> = {
      [Symbol.asyncIterator]() {
        return iterator
      },
      next() {
        if (pending) return Promise.reject(new Error('next() called while another read is pending'))
        return new Promise((resolve, reject) => {
          pending = { resolve, reject }
          settle()
          if (queue.length <= 1 && controller?.paused && !ended && !failure) controller.resume()
        })
      },
      async return() {
        await discard()
        return { done: true, value: undefined }
      },
    }

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c
        if (failure) c.abort(new Error('aborted before the request started'))
      },
      onResponseStart(c, statusCode, responseHeaders) {
        if (statusCode < 200) return
        started = true
        controller = c
        resolveHeaders({
          status: statusCode,
          header(name) {
            const value = responseHeaders[name]
            return Array.isArray(value) ? value.join(', ') : value
          },
          headerNames: () => Object.keys(responseHeaders),
          body: iterator,
          discard,
          drain() {
            draining = true
            queue.length = 0
            if (c.paused) c.resume()
            return new Promise((resolve) => {
              drained = resolve
              settle()
            })
          },
        })
      },
      onResponseData(c, chunk) {
        if (draining || failure) return
        queue.push(chunk)
        if (queue.length >= highWaterChunks) c.pause()
        settle()
      },
      onResponseEnd() {
        ended = true
        detach()
        settle()
      },
      onResponseError(_c, error) {
        fail(error)
      },
    }
    dispatcher.dispatch(
      { origin: url.origin, path: url.pathname + url.search, method: request.method, headers },
      handler,
    )
  })
}
