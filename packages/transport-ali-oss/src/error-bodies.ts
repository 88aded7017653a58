import { base64ToBytes, concatBytes } from '@resumable/core'
import { headFromRecord } from '@resumable/core/http'
import type { AliOssClient } from './types.ts'

/** The urllib 2 surface ali-oss calls (`this.urllib.request(url, params)`). */
interface UrllibLike {
  request(url: unknown, params: unknown): Promise<unknown>
}

/** The urllib 2 result fields read or filled here. */
interface UrllibResult {
  status?: unknown
  headers?: unknown
  data?: unknown
  res?: unknown
}

/** Error response headers by the `ctx` object of the call (ali-oss drops them with the body). */
const errorHeaders = new WeakMap<object, object>()

/**
 * A fresh `ctx` for one call. ali-oss hands a call's `ctx` to urllib untouched, which lets the
 * wrapper below file the error response's headers (`Retry-After`) where the caller finds them.
 * It inherits from the client's own ctx, so whatever a custom urllib reads from ctx stays there.
 */
export function callContext(client: AliOssClient): object {
  const own: unknown = (client as { ctx?: unknown }).ctx
  return Object.create(typeof own === 'object' && own !== null ? own : null) as object
}

/** The headers of the error response of the call made with `ctx`, if there was one. */
export function errorHeadersOf(ctx: object): object | undefined {
  return errorHeaders.get(ctx)
}

/** OSS error bodies are a few hundred bytes; anything larger is not one. */
const ERROR_BODY_LIMIT = 64 * 1024
/** A stalled error body must not hold the call forever. */
const ERROR_BODY_TIMEOUT_MS = 10_000

/**
 * A view of `client` (sharing its settings, credentials and agents) whose HTTP layer hands ali-oss
 * OSS's error XML. Without it ali-oss reports errors without their Code: `getStream` discards the
 * body of an error response, and HEAD (which has no body) is decoded from `x-oss-err` except for
 * 404 and 412. With the XML in `result.data`, ali-oss's own parser fills code, message, requestId,
 * hostId and ecCode. The user's client is not modified. Clients without urllib are used as is.
 */
export function withErrorBodies(client: AliOssClient): AliOssClient {
  const urllib: unknown = (client as { urllib?: unknown }).urllib
  if (!isUrllib(urllib)) return client
  const wrapped: UrllibLike = {
    async request(url, params) {
      const result = await urllib.request(url, params)
      await keepErrorBody(result, params)
      return result
    },
  }
  return Object.create(client, {
    urllib: { value: wrapped, writable: true, configurable: true, enumerable: false },
  }) as AliOssClient
}

async function keepErrorBody(result: unknown, params: unknown): Promise<void> {
  if (typeof result !== 'object' || result === null) return
  const r = result as UrllibResult
  if (typeof r.status !== 'number' || r.status < 400) return
  if ((typeof r.data === 'string' || r.data instanceof Uint8Array) && r.data.length > 0) return
  const headers = typeof r.headers === 'object' && r.headers !== null ? r.headers : undefined
  const ctx = (params as { ctx?: unknown } | null)?.ctx
  if (headers !== undefined && typeof ctx === 'object' && ctx !== null)
    errorHeaders.set(ctx, headers)
  const encoded = headFromRecord(0, headers).header('x-oss-err')
  if (encoded !== undefined) {
    const xml = decodeBase64(encoded)
    if (xml !== undefined) r.data = xml
    return
  }
  const streaming = (params as { customResponse?: unknown } | null)?.customResponse === true
  if (streaming && isReadable(r.res)) {
    const body = await readSmallBody(r.res)
    if (body !== undefined && body.length > 0) r.data = body
  }
}

/** Reads a small body as text; undefined when it is too large, fails or stalls. */
async function readSmallBody(stream: ReadableLike): Promise<string | undefined> {
  const chunks: Uint8Array[] = []
  let size = 0
  const timer = setTimeout(() => stream.destroy(), ERROR_BODY_TIMEOUT_MS)
  try {
    for await (const chunk of stream) {
      if (!(chunk instanceof Uint8Array)) return undefined
      size += chunk.length
      if (size > ERROR_BODY_LIMIT) {
        stream.destroy()
        return undefined
      }
      chunks.push(chunk)
    }
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
  return new TextDecoder().decode(concatBytes(chunks))
}

function decodeBase64(text: string): string | undefined {
  try {
    return new TextDecoder().decode(base64ToBytes(text.trim()))
  } catch {
    return undefined
  }
}

interface ReadableLike extends AsyncIterable<unknown> {
  destroy(): unknown
}

function isReadable(value: unknown): value is ReadableLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ReadableLike).destroy === 'function' &&
    typeof (value as ReadableLike)[Symbol.asyncIterator] === 'function'
  )
}

function isUrllib(value: unknown): value is UrllibLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as UrllibLike).request === 'function'
  )
}
