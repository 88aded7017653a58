import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Headers an answer carries, by name. */
export type AnswerHeaders = Record<string, string | string[]>

/**
 * The headers of the answer for `path` beyond the usual ones: for a whole answer (HEAD, 200) or a
 * ranged one of bytes `start`..`end`; undefined when nothing is at `path` (404); a status code for
 * an answer of that status and no body (a 503 the client retries, a 401). `request` is what the
 * request sent, names lower-case.
 */
export type HeadersFor = (
  path: string,
  ranged: boolean,
  start: number,
  end: number,
  request: ReceivedRequest['headers'],
) => AnswerHeaders | number | undefined

/** One request as the server received it. */
export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  /** Header names lower-case, as Node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

/** A running loopback server: `url` without a trailing `/`. */
export interface RangedFileServer {
  readonly url: string
  /** Every request received, in order. */
  readonly requests: readonly ReceivedRequest[]
  close(): Promise<void>
}

/**
 * A loopback HTTP server that answers HEAD, GET and `Range: bytes=first-last` with `bytes` at every
 * path `headersFor` knows, with an ETag, Last-Modified, Accept-Ranges and Content-Length (and a
 * Content-Range on a 206) besides the headers it gives (an empty value takes one of those away): a
 * download link or a store as the CLI meets it.
 */
export async function startRangedFileServer(
  bytes: Uint8Array,
  headersFor: HeadersFor,
): Promise<RangedFileServer> {
  const requests: ReceivedRequest[] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers })
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    const start = range ? Number(range[1]) : 0
    const end = range ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1
    const extra = headersFor(req.url ?? '', range !== null, start, end, req.headers)
    if (extra === undefined) {
      res.writeHead(404).end()
      return
    }
    if (typeof extra === 'number') {
      res.writeHead(extra).end()
      return
    }
    res.setHeader('etag', '"0x8DE1234567890AB"')
    res.setHeader('last-modified', 'Mon, 07 Dec 2026 00:00:00 GMT')
    res.setHeader('accept-ranges', 'bytes')
    // An empty value takes the usual header away (a server that sends no ETag, say).
    for (const [name, value] of Object.entries(extra))
      if (value === '') res.removeHeader(name)
      else res.setHeader(name, value)
    res.setHeader('content-length', String(end - start + 1))
    if (range) res.setHeader('content-range', `bytes ${start}-${end}/${bytes.length}`)
    res.writeHead(range ? 206 : 200)
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
