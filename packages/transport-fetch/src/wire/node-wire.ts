import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Wire, WireRequest, WireResponse } from './wire.ts'

/** Options of {@link nodeWire}. */
export interface NodeWireOptions {
  /**
   * Most connections kept open per origin. Must be at least the download's concurrency, or parts
   * wait for a socket.
   * @default 64
   */
  readonly maxSockets?: number
}

const redirectStatuses = new Set([301, 302, 303, 307, 308])
const maxRedirects = 20

/**
 * A {@link Wire} on `node:http`/`node:https` with keep-alive agents: bytes go from the socket to
 * the reader as the chunks Node parsed, with no web-stream conversion (about a third less CPU
 * per byte than `fetch` on Node; see BENCHMARKS.md). Node only. Follows redirects like fetch;
 * never decompresses.
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
  const maxSockets = options.maxSockets ?? 64
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' }),
  }
  return {
    async send(request: WireRequest): Promise<WireResponse> {
      let url = new URL(request.url)
      let headers: Record<string, string> = { ...request.headers }
      for (let hops = 0; ; hops++) {
        const response = await sendOnce(agents, request, url, headers)
        const location = response.headers.location
        if (!redirectStatuses.has(response.statusCode ?? 0) || location === undefined) {
          return wireResponse(response, request.signal)
        }
        // A redirect's body is a few bytes: draining it keeps the connection for the next request.
        response.resume()
        if (hops === maxRedirects) throw new TypeError('redirect count exceeded')
        const next = new URL(location, url)
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new TypeError(`redirect to an unsupported protocol ${next.protocol}`)
        }
        if (next.origin !== url.origin) {
          const { authorization: _a, cookie: _c, host: _h, ...kept } = headers
          headers = kept
        }
        url = next
      }
    },
  }
}

function sendOnce(
  agents: { 'http:': HttpAgent; 'https:': HttpsAgent },
  request: WireRequest,
  url: URL,
  headers: Record<string, string>,
): Promise<IncomingMessage> {
  const { signal } = request
  if (signal?.aborted) return Promise.reject(signal.reason)
  const https = url.protocol === 'https:'
  return new Promise((resolve, reject) => {
    const outgoing = (https ? httpsRequest : httpRequest)(url, {
      method: request.method,
      headers,
      agent: https ? agents['https:'] : agents['http:'],
    })
    const onAbort = (): void => {
      outgoing.destroy()
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    outgoing.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort)
      reject(error)
    })
    outgoing.once('response', (response) => {
      signal?.removeEventListener('abort', onAbort)
      resolve(response)
    })
    outgoing.end()
  })
}

interface Waiter {
  resolve(result: IteratorResult<Uint8Array>): void
  reject(error: unknown): void
}

/** Chunks (Node hands over up to 64 KiB each) queued before the socket is paused. */
const highWaterChunks = 4

/**
 * Wraps a response whose body is pulled chunk by chunk: the socket is paused while chunks wait,
 * so memory stays at what one `next()` hands over plus the kernel's buffer.
 */
function wireResponse(response: IncomingMessage, signal: AbortSignal | undefined): WireResponse {
  const queue: Buffer[] = []
  let ended = false
  let failure: { error: unknown } | undefined
  let pending: Waiter | undefined

  const settle = (): void => {
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
    settle()
  }
  const onAbort = (): void => {
    fail(signal?.reason)
    response.destroy()
  }
  const detach = (): void => signal?.removeEventListener('abort', onAbort)
  signal?.addEventListener('abort', onAbort, { once: true })

  response.on('data', (chunk: Buffer) => {
    queue.push(chunk)
    // A few chunks waiting keep the reader busy; more would only grow memory.
    if (queue.length >= highWaterChunks) response.pause()
    settle()
  })
  response.once('end', () => {
    ended = true
    detach()
    settle()
  })
  response.on('error', (error) => {
    detach()
    fail(error)
  })
  response.once('close', () => {
    detach()
    if (!response.complete) {
      fail(
        Object.assign(new Error('the connection closed before the body ended'), {
          code: 'ECONNRESET',
        }),
      )
    }
  })

  const discard = async (): Promise<void> => {
    detach()
    if (ended || failure) return
    failure = { error: new Error('the body was discarded') }
    queue.length = 0
    settle()
    // Draining an unknown remainder could take as long as the download; closing frees the socket now.
    response.destroy()
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
        if (queue.length <= 1 && response.isPaused() && !ended && !failure) response.resume()
      })
    },
    async return() {
      await discard()
      return { done: true, value: undefined }
    },
  }

  return {
    status: response.statusCode ?? 0,
    header(name) {
      const value = response.headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    },
    body: iterator,
    discard,
  }
}
