import {
  type CallOptions,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
  TransportError,
} from '@resumable/core'
import {
  assertRestored,
  checkRangeResponse,
  details,
  guardBody,
  headFromRecord,
  objectInfoFromHead,
  ossObjectId,
  refuseEncoding,
  requestIdOf,
  requireContentLength,
} from '@resumable/core/http'
import { abortable } from './abortable.ts'
import {
  canRefreshSts,
  clientBucket,
  clientSecrets,
  expireStsToken,
  warnAboutClientRetries,
} from './client-info.ts'
import { callContext, errorHeadersOf, withErrorBodies } from './error-bodies.ts'
import { type ErrorContext, fromAliOssError } from './map-error.ts'
import { destroyQuietly, isNodeReadable } from './node-readable.ts'
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
      requestPayer: options.requestPayer === true,
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
      throw this.#failure(error, { describe, secrets: clientSecrets(this.#client) }, ctx)
    }
    const head = headFromRecord(result.res.status, result.res.headers)
    if (head.status !== 200) {
      throw new TransportError(
        'protocol',
        `${describe}: unexpected HTTP status ${head.status}`,
        details({ status: head.status, requestId: requestIdOf(head) }),
      )
    }
    refuseEncoding(head, describe)
    const info = objectInfoFromHead(head, requireContentLength(head, describe), { ranged: false })
    assertRestored(info, head, {
      describe,
      now: Date.now(),
      archiveDirectRead: this.#archiveDirectRead,
      directReadOption: '{ archiveDirectRead: true }',
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
      throw this.#failure(error, { describe, secrets, object }, ctx)
    }
    const { stream } = result
    try {
      if (!isNodeReadable(stream)) {
        throw new TransportError('protocol', `${describe}: ali-oss returned no readable body`)
      }
      const head = headFromRecord(result.res.status, result.res.headers)
      const {
        length,
        etag,
        lastModified,
        md5: vouched,
      } = checkRangeResponse(
        head,
        { start, end, size: object.size, etag: object.etag, lastModified: object.lastModified },
        describe,
      )
      const body = guardBody(stream as AsyncIterable<Uint8Array>, length, {
        describe,
        signal,
        secrets,
        // Destroying the socket settles a read that is pending on a stalled connection.
        release: (reason) => destroyQuietly(stream, reason),
      })
      return {
        range: { start, end },
        ...(etag === undefined ? {} : { etag }),
        ...(lastModified === undefined ? {} : { lastModified }),
        // A 200's Content-MD5 (the whole object's) is checked by core before commit.
        ...(vouched ? { md5: vouched.value, md5Source: vouched.header } : {}),
        body,
      }
    } catch (error) {
      destroyQuietly(stream)
      throw error
    }
  }

  /** Only the id: the client (and its credentials) never reaches logs. */
  toJSON(): { id: string } {
    return { id: this.id }
  }

  /** Maps an ali-oss failure; an expired STS token makes the client refresh it before the retry. */
  #failure(
    error: unknown,
    context: Omit<ErrorContext, 'rotatingCredentials' | 'headers'>,
    ctx: object,
  ): TransportError {
    const rotatingCredentials = canRefreshSts(this.#client)
    const headers = errorHeadersOf(ctx)
    const mapped = fromAliOssError(error, {
      ...context,
      rotatingCredentials,
      ...(headers === undefined ? {} : { headers }),
    })
    if (rotatingCredentials && mapped.kind === 'auth' && mapped.retryable)
      expireStsToken(this.#calls)
    return mapped
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

/**
 * Creates a Transport for `key` in the bucket of your own ali-oss client, which keeps everything
 * it is configured with (region, endpoint or custom domain, STS refresh, V4 signing, agents).
 *
 * @example
 * ```ts
 * import OSS from 'ali-oss'
 * import { download } from '@resumable/core'
 * import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
 * import { createAliOssTransport } from '@resumable/transport-ali-oss'
 *
 * const client = new OSS({ region: 'oss-cn-hangzhou', bucket: 'examplebucket', accessKeyId, accessKeySecret })
 * await download({
 *   transport: createAliOssTransport(client, 'dir/big.iso'),
 *   target: new FileTarget('big.iso'),
 *   checkpoint: new FileCheckpointStore(),
 * })
 * ```
 */
export function createAliOssTransport(
  client: AliOssClient,
  key: string,
  options?: AliOssTransportOptions,
): AliOssTransport {
  return new AliOssTransport(client, key, options)
}

/**
 * The former name of `createAliOssTransport`.
 *
 * @deprecated Use `createAliOssTransport`; this alias stays for existing code.
 */
export const aliOssTransport: typeof createAliOssTransport = createAliOssTransport
