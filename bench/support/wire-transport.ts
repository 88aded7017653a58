// Bench-only: a plain-URL Transport over a Wire, so bench/compare.ts can time the Node wire
// before FetchTransport reads through the wire seam (issue 13 item 2, another branch). Once that
// lands, this file is replaced by `createUrlTransport({ url, wire })`. It does what the URL
// transport does on the happy path: HEAD for size and ETag, ranged GET with If-Match.
import { type ObjectInfo, type Transport, TransportError } from '@resumable/core'
import type { Wire, WireResponse } from '@resumable/transport-fetch/node'

async function expect(response: WireResponse, status: number, what: string): Promise<void> {
  if (response.status === status) return
  await response.discard()
  throw new TransportError('network', `${what}: HTTP ${response.status}`, {
    status: response.status,
    retryable: response.status >= 500,
  })
}

/** A Transport reading `url` through `wire`. */
export function wireUrlTransport(url: string, wire: Wire): Transport {
  return {
    id: url,
    async stat(options) {
      const response = await wire.send({
        method: 'HEAD',
        url,
        headers: {},
        signal: options?.signal,
      })
      await expect(response, 200, 'HEAD')
      const etag = response.header('etag')
      return {
        size: Number(response.header('content-length')),
        ...(etag ? { etag } : {}),
        acceptRanges: response.header('accept-ranges') === 'bytes',
      } satisfies ObjectInfo
    },
    async read({ start, end, object, signal }) {
      const headers: Record<string, string> = { range: `bytes=${start}-${end}` }
      if (object.etag) headers['if-match'] = object.etag
      let response: WireResponse
      try {
        response = await wire.send({ method: 'GET', url, headers, signal })
      } catch (error) {
        if (signal?.aborted) throw error
        throw new TransportError('network', 'GET failed', { cause: error })
      }
      await expect(response, 206, 'GET')
      const match = /^bytes (\d+)-(\d+)\//.exec(response.header('content-range') ?? '')
      if (!match) throw new TransportError('protocol', 'no Content-Range')
      const etag = response.header('etag')
      return {
        range: { start: Number(match[1]), end: Number(match[2]) },
        ...(etag ? { etag } : {}),
        body: response.body,
      }
    },
  }
}
