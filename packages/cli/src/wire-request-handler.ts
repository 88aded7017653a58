import { readWholeBody } from '@resumable/core/http'
import type { Wire, WireResponse } from '@resumable/transport-fetch'

/** What the AWS SDK's request handlers are given (a smithy `HttpRequest`), as far as read here. */
export interface SdkHttpRequest {
  readonly method: string
  readonly protocol: string
  readonly hostname: string
  readonly port?: number | undefined
  readonly path: string
  readonly query?: Readonly<Record<string, string | readonly string[] | null>> | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly body?: unknown
}

/** The answer as the SDK's deserializers read it (a smithy `HttpResponse`, body collected). */
export interface SdkHttpResponse {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly body: Uint8Array
}

/** A request handler the AWS SDK takes as `requestHandler` (smithy's `HttpHandler` shape). */
export interface SdkRequestHandler {
  handle(
    request: SdkHttpRequest,
    options?: { readonly abortSignal?: unknown },
  ): Promise<{ response: SdkHttpResponse }>
  updateHttpClientConfig(): void
  httpHandlerConfigs(): Record<string, never>
}

/** The SDK's STS and SSO answers are a few KiB of XML or JSON. */
const ANSWER_LIMIT = 1024 * 1024

/**
 * An AWS SDK request handler over `wire`, for the SDK's credential calls (STS
 * `AssumeRoleWithWebIdentity`): they then take the proxies the wire takes, as the download does.
 * The SDK's own handler (`node:https`) ignores `https_proxy`.
 */
export function wireRequestHandler(wire: Wire): SdkRequestHandler {
  return {
    async handle(request, options) {
      const method = request.method.toUpperCase()
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST')
        throw new TypeError(`the wire sends no ${method} requests`)
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(request.headers))
        headers[name.toLowerCase()] = value
      const signal = options?.abortSignal instanceof AbortSignal ? options.abortSignal : undefined
      const response = await wire.send({
        method,
        url: urlOf(request),
        headers,
        body: bodyOf(request.body),
        // Signed: an answer from elsewhere is not the service's.
        redirect: 'manual',
        signal,
      })
      let body: Uint8Array
      try {
        body = await readWholeBody(response.body, ANSWER_LIMIT)
      } catch (error) {
        await response.discard()
        throw error
      }
      return { response: { statusCode: response.status, headers: headersOf(response), body } }
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  }
}

function urlOf(request: SdkHttpRequest): string {
  const port = request.port === undefined ? '' : `:${request.port}`
  const pairs: string[] = []
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value === null) pairs.push(percentEncode(name))
    else
      for (const one of typeof value === 'string' ? [value] : value)
        pairs.push(`${percentEncode(name)}=${percentEncode(one)}`)
  }
  const query = pairs.length === 0 ? '' : `?${pairs.join('&')}`
  return `${request.protocol}//${request.hostname}${port}${request.path}${query}`
}

/** RFC 3986 percent-encoding, as the SDK encodes its query. */
function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

function bodyOf(body: unknown): Uint8Array | undefined {
  if (body === undefined || body === null || body === '') return undefined
  if (typeof body === 'string') return new TextEncoder().encode(body)
  if (body instanceof Uint8Array) return body
  throw new TypeError('the wire sends only string and byte bodies')
}

function headersOf(response: WireResponse): Record<string, string> {
  const headers: Record<string, string> = {}
  const names = (response as { headerNames?: () => Iterable<string> }).headerNames?.() ?? []
  for (const name of names) {
    const value = response.header(name)
    if (value !== undefined) headers[name] = value
  }
  return headers
}
