import { getResponse, type HttpResponse, http, type RequestHandler } from 'msw'
import { handleOssRequest } from './handle-request.ts'
import type { MockOss } from './oss-model.ts'

/** MSW 2 request handlers answering like OSS for every URL (use with `setupServer` or `getResponse`). */
export function ossHandlers(oss: MockOss): RequestHandler[] {
  return [
    http.all('*', ({ request }) => handleOssRequest(oss, request) as Promise<HttpResponse<never>>),
  ]
}

/** A `fetch` answered by the mock through MSW's `getResponse`: no global patching, same on every runtime. */
export function createMockFetch(
  oss: MockOss,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const handlers = ossHandlers(oss)
  return async (input, init) => {
    const request = new Request(input, init)
    if (request.signal.aborted) throw request.signal.reason
    const response = await getResponse(handlers, request)
    if (!response)
      throw new TypeError(`fetch failed: no mock handler for ${request.method} ${request.url}`)
    // As fetch does: a signal aborted while the answer was prepared rejects, it never resolves.
    if (request.signal.aborted) {
      await response.body?.cancel().catch(() => undefined)
      throw request.signal.reason
    }
    return response
  }
}
