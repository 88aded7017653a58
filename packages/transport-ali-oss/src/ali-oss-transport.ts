import {
  type CallOptions,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
  TransportError,
} from '@resumable/core'
import { abortable } from './abortable.ts'
import { assertReadable } from './archive.ts'
import { checkReadResponse } from './check-response.ts'
import { clientBucket, clientSecrets, warnAboutClientRetries } from './client-info.ts'
import { details } from './details.ts'
import { callContext, errorHeadersOf, withErrorBodies } from './error-bodies.ts'
import { guardBody, isNodeReadable } from './guarded-body.ts'
import { header } from './headers.ts'
import { fromAliOssError } from './map-error.ts'
import { ossObjectId } from './object-id.ts'
import { objectInfoFromHeaders } from './object-info.ts'
import { type AliOssTransportOptions, checkClientAndKey, checkOptions } from './options.ts'
import { getStreamOptions, headOptions, type RequestSettings } from './request-options.ts'
import type { AliOssClient, AliOssGetStreamResult, AliOssHeadResult } from './types.ts'

/**
 * Transport over a user's own ali-oss client, keeping everything it is configured with (region,
 * endpoint or custom domain, STS refresh, V4 signing, agents). `stat` is HeadObject; `read` is a
 * ranged GetObject (`Range`, `If-Match`, `x-oss-range-behavior: standard`,
 * `Accept-Encoding: identity`, the pinned version) whose body streams straight from the socket.
 */
export class AliOssTransport implements Transport {
  /** `oss://bucket/key` (+ `?versionId=`): stable and credential-free. */
  readonly id: string
  // Private fields stay out of console.log and JSON: the client holds the credentials.
  readonly #client: AliOssClient
  /** The same client, with OSS's error XML kept for ali-oss to parse (see error-bodies.ts). */
  readonly #calls: AliOssClient
  readonly #key: string
  readonly #bucket: string
  readonly #settings: RequestSettings
  readonly #archiveDirectRead: boolean

  constructor(client: AliOssClient, key: string, options: AliOssTransportOptions = {}) {
    checkClientAndKey(client, key)
    checkOptions(options)
    this.#client = client
    this.#calls = withErrorBodies(client)
    // ali-oss strips leading slashes itself; do the same so `/a` and `a` are one object.
    this.#key = key.replace(/^\/+/, '')
    this.#bucket = clientBucket(client)
    this.#settings = {
      versionId: options.versionId,
      trafficLimit: options.trafficLimit,
      timeout: options.timeout,
    }
    this.#archiveDirectRead = options.archiveDirectRead ?? false
    this.id = ossObjectId(this.#bucket, this.#key, options.versionId)
    warnAboutClientRetries(client, options.onWarning ?? ((message) => console.warn(message)))
  }

  /** HeadObject: size, ETag, Last-Modified, CRC-64, version, storage class, user metadata. */
  async stat(options: CallOptions = {}): Promise<ObjectInfo> {
    const { signal } = options
    signal?.throwIfAborted()
    const describe = `HEAD ${this.id}`
    this.#checkBucket(describe)
    const ctx = callContext(this.#client)
    let result: AliOssHeadResult
    try {
      const call = this.#calls.head(this.#key, headOptions(this.#settings, ctx))
      result = await abortable(call, signal, () => undefined)
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      throw fromAliOssError(error, {
        describe,
        secrets: clientSecrets(this.#client),
        ...withHeaders(errorHeadersOf(ctx)),
      })
    }
    const { headers, status } = result.res
    const requestId = header(headers, 'x-oss-request-id')
    if (status !== 200) {
      throw new TransportError(
        'protocol',
        `${describe}: unexpected HTTP status ${status}`,
        details({ status, requestId }),
      )
    }
    const info = objectInfoFromHeaders(headers, describe)
    assertReadable(info, {
      archiveDirectRead: this.#archiveDirectRead,
      describe,
      requestId,
      now: Date.now(),
    })
    return info
  }

  /** One ranged GetObject; the body is the socket's stream, guarded against drops and short reads. */
  async read(request: ReadRequest): Promise<ReadResponse> {
    const { start, end, object, signal } = request
    signal?.throwIfAborted()
    const describe = `GET ${this.id} bytes ${start}-${end}`
    this.#checkBucket(describe)
    // A zero-length object has no byte to name in a Range: it is read with a plain GET.
    const empty = object.size === 0 && start === 0 && end === -1
    const inside =
      Number.isSafeInteger(start) &&
      Number.isSafeInteger(end) &&
      start >= 0 &&
      start <= end &&
      end < object.size
    if (!empty && !inside) {
      throw new TransportError(
        'invalid-request',
        `${describe}: not a byte range of a ${object.size}-byte object`,
      )
    }
    const ctx = callContext(this.#client)
    const options = getStreamOptions(this.#settings, ctx, { start, end, empty }, object)
    const secrets = clientSecrets(this.#client)
    let result: AliOssGetStreamResult
    try {
      const call = this.#calls.getStream(this.#key, options)
      result = await abortable(call, signal, (late) => destroyQuietly(late.stream))
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      throw fromAliOssError(error, {
        describe,
        secrets,
        object,
        ...withHeaders(errorHeadersOf(ctx)),
      })
    }
    const { stream } = result
    try {
      if (!isNodeReadable(stream)) {
        throw new TransportError('protocol', `${describe}: ali-oss returned no readable body`)
      }
      const checked = checkReadResponse(result.res, { start, end, size: object.size }, describe)
      const body = guardBody(stream, checked.length, { describe, signal, secrets })
      return checked.etag === undefined
        ? { range: checked.range, body }
        : { range: checked.range, etag: checked.etag, body }
    } catch (error) {
      destroyQuietly(stream)
      throw error
    }
  }

  /** Only the id: the client (and its credentials) never reaches logs. */
  toJSON(): { id: string } {
    return { id: this.id }
  }

  /** `client.useBucket()` after creation would silently read another bucket's object. */
  #checkBucket(describe: string): void {
    const now = this.#client.options?.bucket
    if (typeof now === 'string' && now !== '' && now !== this.#bucket) {
      throw new TransportError(
        'invalid-request',
        `${describe}: the client now points at bucket ${now}; create one transport per bucket`,
      )
    }
  }
}

/** Creates a Transport for `key` in the bucket of the given ali-oss client. */
export function aliOssTransport(
  client: AliOssClient,
  key: string,
  options?: AliOssTransportOptions,
): AliOssTransport {
  return new AliOssTransport(client, key, options)
}

function withHeaders(headers: object | undefined): { headers?: object } {
  return headers === undefined ? {} : { headers }
}

function destroyQuietly(stream: unknown): void {
  try {
    if (isNodeReadable(stream)) stream.destroy()
  } catch {
    // Releasing a body we no longer want must never mask the error being reported.
  }
}
