import type { FetchLike } from '../../src/index.ts'

/** One request as the fake saw it. */
export interface SeenRequest {
  readonly url: URL
  readonly method: string
  readonly headers: Headers
  readonly signal: AbortSignal | undefined
}

/** A fetch that records every request and answers with `handler`. */
export interface FakeFetch extends FetchLike {
  readonly calls: SeenRequest[]
}

/** Builds a recording fetch; `handler` may throw to simulate a network failure. */
export function fakeFetch(
  handler: (request: SeenRequest) => Response | Promise<Response>,
): FakeFetch {
  const calls: SeenRequest[] = []
  const f = async (input: string, init: RequestInit): Promise<Response> => {
    const request: SeenRequest = {
      url: new URL(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      signal: init.signal ?? undefined,
    }
    calls.push(request)
    if (request.signal?.aborted) throw request.signal.reason
    return handler(request)
  }
  return Object.assign(f, { calls })
}

/** A ReadableStream of `chunks`, then `end`: close cleanly, or error with the given reason. */
export function streamOf(
  chunks: readonly Uint8Array[],
  end: { readonly error?: unknown } = {},
): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++]
      if (chunk) controller.enqueue(chunk)
      else if ('error' in end) controller.error(end.error)
      else controller.close()
    },
  })
}

/** What the in-memory object server answers with. */
export interface ServedObject {
  bytes: Uint8Array<ArrayBuffer>
  headers: Record<string, string>
}

/**
 * Serves one object honouring HEAD, Range (206 + Content-Range, 416) and If-Match (412), like a
 * correct store; tests mutate `object` or wrap the handler to inject faults.
 */
export function objectServer(object: ServedObject): (request: SeenRequest) => Response {
  return (request) => {
    const size = object.bytes.length
    const headers = new Headers(object.headers)
    headers.set('accept-ranges', 'bytes')
    const ifMatch = request.headers.get('if-match')
    if (ifMatch !== null && ifMatch !== headers.get('etag')) {
      return new Response(null, { status: 412, headers: { 'x-oss-request-id': 'RID412' } })
    }
    if (request.method === 'HEAD') {
      headers.set('content-length', String(size))
      return new Response(null, { status: 200, headers })
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get('range') ?? '')
    if (!range) {
      headers.set('content-length', String(size))
      return new Response(object.bytes.slice(), { status: 200, headers })
    }
    const start = Number(range[1])
    const end = Math.min(Number(range[2]), size - 1)
    if (start >= size) {
      headers.set('content-range', `bytes */${size}`)
      return new Response(null, { status: 416, headers })
    }
    headers.set('content-range', `bytes ${start}-${end}/${size}`)
    headers.set('content-length', String(end - start + 1))
    return new Response(object.bytes.slice(start, end + 1), { status: 206, headers })
  }
}

/** Builds an OSS/S3 error XML body. */
export function errorXml(fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('')
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${inner}</Error>`
}
