import {
  type CallOptions,
  isResumableError,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
  TransportError,
} from '@resumable/core'
import { checkReadResponse, refuseEncoded } from './check-response.ts'
import { parseContentLength, parseContentRange, parseUnsatisfiedRange } from './content-range.ts'
import { guardBody } from './guarded-body.ts'
import { isArchivedUnrestored, objectInfoFromHeaders } from './object-info.ts'
import { redactError, redactText } from './redact.ts'
import { archivedError, responseError } from './response-error.ts'
import type { FetchLike } from './types.ts'
import type { PreparedRequest, WirePlan } from './wire-plan.ts'

/** Behaviour switches shared by every mode. */
export interface FetchTransportSettings {
  /** Custom fetch; `globalThis.fetch` (looked up per request) otherwise. */
  readonly fetch?: FetchLike | undefined
  /** Do not fail fast on archived, unrestored objects. */
  readonly skipArchiveCheck?: boolean | undefined
  /** Send `x-oss-range-behavior: standard` on reads. */
  readonly ossRangeBehavior?: boolean | undefined
  /** Pin the version `stat` saw on every read, even when the caller did not ask for one. */
  readonly pinVersion?: boolean | undefined
}

/** Statuses after which an `auto` stat retries with a one-byte ranged GET (HEAD refused or unsigned for HEAD). */
const HEAD_REFUSED = new Set([400, 403, 405, 501])

interface Sent {
  readonly response: Response
  readonly prepared: PreparedRequest
  readonly now: number
}

/**
 * A Transport over WHATWG fetch. The mode (plain URL, OSS, S3) only decides where requests go and
 * how they are signed; status checks, Content-Range validation, byte counting and error mapping
 * are the same for all.
 */
export class FetchTransport implements Transport {
  /** Credential-free identity of the object (`oss://…`, `s3://…`, or the URL without its query). */
  readonly id: string
  readonly #plan: WirePlan
  readonly #settings: FetchTransportSettings
  #clockOffsetMs = 0

  constructor(plan: WirePlan, settings: FetchTransportSettings = {}) {
    this.id = plan.id
    this.#plan = plan
    this.#settings = settings
  }

  /** Learns size and identity: HEAD, or a one-byte ranged GET for GET-only (presigned) URLs. */
  async stat(options: CallOptions = {}): Promise<ObjectInfo> {
    const { signal } = options
    const method = this.#plan.statMethod
    if (method === 'range-get') return this.#probe(signal)
    const headers = new Headers()
    if (this.#plan.flavor === 's3') headers.set('x-amz-checksum-mode', 'ENABLED')
    const describe = `HEAD ${this.id}`
    const sent = await this.#send('HEAD', headers, this.#versionQuery(undefined), signal, describe)
    const { response } = sent
    if (!response.ok) {
      if (method === 'auto' && HEAD_REFUSED.has(response.status)) {
        await response.body?.cancel().catch(() => undefined)
        return this.#probe(signal)
      }
      throw await this.#failure(sent, describe, signal)
    }
    await response.body?.cancel().catch(() => undefined)
    refuseEncoded(response, describe)
    const size = parseContentLength(response.headers.get('content-length'))
    if (size === undefined) {
      throw new TransportError('protocol', `${describe}: the response has no Content-Length`, {
        status: response.status,
      })
    }
    return this.#checked(objectInfoFromHeaders(response.headers, size, { ranged: false }), response)
  }

  /** Reads bytes `start`..`end`, guarded by If-Match; the body is streamed, never buffered. */
  async read(request: ReadRequest): Promise<ReadResponse> {
    const { start, end, object, signal } = request
    const describe = `GET ${this.id} bytes ${start}-${end}`
    if (
      !Number.isSafeInteger(start) ||
      !Number.isSafeInteger(end) ||
      start < 0 ||
      end < start ||
      end >= object.size
    ) {
      throw new TransportError(
        'invalid-request',
        `${describe}: not a range of a ${object.size}-byte object`,
        {
          retryable: false,
        },
      )
    }
    const headers = new Headers({ range: `bytes=${start}-${end}` })
    // A weak ETag never matches If-Match (strong comparison): it would fail every read.
    if (object.etag !== undefined && !object.etag.startsWith('W/'))
      headers.set('if-match', object.etag)
    else if (object.lastModified !== undefined)
      headers.set('if-unmodified-since', object.lastModified)
    if (this.#settings.ossRangeBehavior) headers.set('x-oss-range-behavior', 'standard')
    const query = this.#versionQuery(object.versionId)
    const sent = await this.#send('GET', headers, query, signal, describe)
    const { response } = sent
    if (!response.ok) throw await this.#failure(sent, describe, signal)
    try {
      refuseEncoded(response, describe)
      checkReadResponse(response, start, end, object.size, describe)
    } catch (error) {
      await response.body?.cancel().catch(() => undefined)
      throw error
    }
    const etag = response.headers.get('etag') ?? undefined
    const body = guardBody(response.body, end - start + 1, { describe, signal })
    return { range: { start, end }, ...(etag === undefined ? {} : { etag }), body }
  }

  /** Names the object, never a credential. */
  toString(): string {
    return `FetchTransport(${this.id})`
  }

  /** JSON form: the id only. */
  toJSON(): { id: string } {
    return { id: this.id }
  }

  #versionQuery(seen: string | undefined): [string, string][] {
    if (!this.#plan.canAddQuery) return []
    const version = this.#plan.versionId ?? (this.#settings.pinVersion ? seen : undefined)
    return version === undefined ? [] : [['versionId', version]]
  }

  /** stat by `GET Range: bytes=0-0`: presigned URLs are valid for GET only. */
  async #probe(signal: AbortSignal | undefined): Promise<ObjectInfo> {
    const describe = `GET ${this.id} bytes 0-0`
    const headers = new Headers({ range: 'bytes=0-0' })
    const sent = await this.#send('GET', headers, this.#versionQuery(undefined), signal, describe)
    const { response } = sent
    const { status } = response
    if (status === 416) {
      // bytes=0-0 is satisfiable for any non-empty object: a 416 means it is empty.
      const total = parseUnsatisfiedRange(response.headers.get('content-range'))
      if (total === undefined || total === 0) {
        await response.body?.cancel().catch(() => undefined)
        return this.#checked(
          objectInfoFromHeaders(response.headers, 0, { ranged: false, acceptRanges: true }),
          response,
        )
      }
    }
    if (!response.ok) throw await this.#failure(sent, describe, signal)
    // Only the headers matter; the one byte (or, on a 200, the whole object) is not wanted.
    await response.body?.cancel().catch(() => undefined)
    refuseEncoded(response, describe)
    let size: number | undefined
    if (status === 206) {
      const range = parseContentRange(response.headers.get('content-range'))
      size = range?.start === 0 ? range.size : undefined
      if (size === undefined) {
        throw new TransportError(
          'protocol',
          `${describe}: unusable Content-Range ${JSON.stringify(response.headers.get('content-range'))}`,
          { status },
        )
      }
    } else if (status === 200) {
      size = parseContentLength(response.headers.get('content-length'))
    }
    if (size === undefined) {
      throw new TransportError(
        'protocol',
        `${describe}: the server told neither Content-Range nor Content-Length`,
        {
          status,
        },
      )
    }
    const info = objectInfoFromHeaders(response.headers, size, {
      ranged: status === 206,
      acceptRanges: status === 206,
    })
    return this.#checked(info, response)
  }

  #checked(info: ObjectInfo, response: Response): ObjectInfo {
    if (!this.#settings.skipArchiveCheck && isArchivedUnrestored(info, response.headers)) {
      throw archivedError(`stat ${this.id}`, info.storageClass)
    }
    return info
  }

  async #send(
    method: 'GET' | 'HEAD',
    headers: Headers,
    query: readonly (readonly [string, string])[],
    signal: AbortSignal | undefined,
    describe: string,
  ): Promise<Sent> {
    if (signal?.aborted) throw signal.reason
    // OSS gzips text objects otherwise and drops ETag and Content-Length; fetch asks for gzip by default.
    headers.set('accept-encoding', 'identity')
    const now = Date.now() + this.#clockOffsetMs
    let prepared: PreparedRequest
    try {
      prepared = await this.#plan.prepare(method, headers, query, new Date(now))
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (isResumableError(error)) throw error
      throw new TransportError('auth', `${describe}: could not sign the request`, {
        retryable: true,
        cause: redactError(error),
      })
    }
    const fetchImpl: FetchLike = this.#settings.fetch ?? globalThis.fetch
    let response: Response
    try {
      // Called as a plain function: some runtimes reject fetch invoked with a foreign `this`.
      response = await fetchImpl(prepared.url, {
        method,
        headers,
        redirect: this.#plan.redirect,
        ...(signal ? { signal } : {}),
      })
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      throw new TransportError(
        'network',
        `${describe}: ${redactText(fetchFailure(error), prepared.secrets)}`,
        {
          cause: redactError(error, prepared.secrets),
        },
      )
    }
    return { response, prepared, now }
  }

  async #failure(sent: Sent, describe: string, signal: AbortSignal | undefined): Promise<unknown> {
    const result = await responseError(sent.response, {
      describe,
      secrets: sent.prepared.secrets,
      rotatingCredentials: this.#plan.rotatingCredentials,
      signed: this.#plan.signed,
      now: sent.now,
    })
    if (signal?.aborted) return signal.reason
    if (result.clockSkewMs !== undefined) this.#clockOffsetMs += result.clockSkewMs
    return result.error
  }
}

/**
 * What a rejected fetch says, with its cause: Node's undici only says "fetch failed" and keeps
 * the reason (`connect ECONNREFUSED 127.0.0.1:9`, `getaddrinfo ENOTFOUND …`) in `cause`.
 */
function fetchFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? error.cause.message : undefined
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message
}
