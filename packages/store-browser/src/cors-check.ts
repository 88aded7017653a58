import {
  type CallOptions,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
  TransportError,
} from '@resumable/core'

/** The `fetch` a Transport calls (the shape `@resumable/transport-fetch` accepts as `fetch`). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>

/** Options for `corsChecked`. */
export interface CorsCheckOptions {
  /**
   * Headers every successful cross-origin response must let the page see. `Content-Range` is
   * always required on a 206. Add `x-oss-hash-crc64ecma` (OSS), or the `x-amz-checksum-*` your S3
   * objects carry, to refuse downloads that would otherwise finish without a whole-object CRC check.
   * @default ['ETag']
   */
  readonly require?: readonly string[]
  /** The fetch to wrap. @default globalThis.fetch */
  readonly fetch?: FetchFunction
}

/** Where the README explains the bucket CORS rules. */
export const CORS_HELP_URL =
  'https://github.com/resumable-dev/resumable/tree/main/packages/store-browser#cors'

/** A cross-origin response hid a header the download needs: the server's CORS rule must expose it. */
export class CorsHeaderError extends TransportError {
  override name = 'CorsHeaderError'
  /** The header the page could not see, as the README and the CORS rule spell it. */
  readonly header: string

  constructor(header: string, describe: string, status: number, cause?: unknown) {
    super(
      'protocol',
      `${describe}: the cross-origin response (status ${status}) hides the ${header} header from ` +
        `this page. The server must list it in Access-Control-Expose-Headers: on OSS add ${header} ` +
        `to "Exposed Headers" of the bucket's CORS rule, on S3 to "ExposeHeaders" of the bucket's ` +
        `CORS configuration (${CORS_HELP_URL})`,
      { status, retryable: false, cause },
    )
    this.header = header
  }
}

interface Hidden {
  readonly header: string
  readonly status: number
}

/**
 * Wraps a fetch-based Transport so that a header hidden by CORS fails the download at once with a
 * CorsHeaderError naming the header and how to expose it, instead of a retried "206 without a valid
 * Content-Range" or a download that silently skips its ETag guard. `make` receives the checking
 * fetch and builds the Transport with it. Same-origin and non-browser responses are not checked.
 *
 * @example
 * ```ts
 * import { corsChecked } from '@resumable/store-browser'
 * import { createUrlTransport } from '@resumable/transport-fetch'
 *
 * const transport = corsChecked((fetch) =>
 *   createUrlTransport({ url: 'https://bucket.oss-cn-hangzhou.aliyuncs.com/model.bin', fetch }),
 * )
 * ```
 */
export function corsChecked(
  make: (fetch: FetchFunction) => Transport,
  options: CorsCheckOptions = {},
): Transport {
  const required = options.require ?? ['ETag']
  let hidden: Hidden | undefined
  const checking: FetchFunction = async (input, init) => {
    const response = await (options.fetch ?? globalThis.fetch)(input, init)
    if (response.type === 'cors' && response.ok) {
      const header = hiddenHeader(response, required)
      if (header !== undefined) hidden ??= { header, status: response.status }
    }
    return response
  }
  const inner = make(checking)
  const fail = (describe: string, cause?: unknown): CorsHeaderError => {
    const { header, status } = hidden as Hidden
    return new CorsHeaderError(header, describe, status, cause)
  }
  return {
    id: inner.id,
    async stat(call?: CallOptions): Promise<ObjectInfo> {
      const describe = `stat ${inner.id}`
      let info: ObjectInfo
      try {
        info = await inner.stat(call)
      } catch (error) {
        throw hidden ? fail(describe, error) : error
      }
      if (hidden) throw fail(describe)
      return info
    },
    async read(request: ReadRequest): Promise<ReadResponse> {
      const describe = `GET ${inner.id} bytes ${request.start}-${request.end}`
      let response: ReadResponse
      try {
        response = await inner.read(request)
      } catch (error) {
        throw hidden ? fail(describe, error) : error
      }
      if (hidden) {
        await cancel(response.body)
        throw fail(describe)
      }
      return response
    },
  }
}

function hiddenHeader(response: Response, required: readonly string[]): string | undefined {
  if (response.status === 206 && !response.headers.has('content-range')) return 'Content-Range'
  return required.find((name) => !response.headers.has(name))
}

async function cancel(body: ReadResponse['body']): Promise<void> {
  if (typeof (body as ReadableStream).cancel === 'function') {
    await (body as ReadableStream).cancel().catch(() => undefined)
  } else {
    await (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]().return?.()
  }
}
