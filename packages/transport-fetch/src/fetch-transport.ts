import {
  type CallOptions,
  isResumableError,
  isTransportError,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
  TransportError,
  type WholeRead,
  type WholeReadRequest,
} from '@resumable/core'
import {
  assertRestored,
  type CheckedRange,
  checkRangeResponse,
  checkStreamResponse,
  compositeChecksum,
  guardBody,
  networkFailure,
  objectInfoFromHead,
  parseContentLength,
  parseContentRange,
  parseUnsatisfiedRange,
  type ResponseHead,
  readBodyText,
  redactError,
  refuseEncoding,
  storeErrorFields,
  storeFailure,
} from '@resumable/core/http'
import { type HeaderFields, RequestHeaders } from './request-headers.ts'
import type { FetchLike } from './types.ts'
import { fetchWire } from './wire/fetch-wire.ts'
import { followRedirects } from './wire/redirects.ts'
import type { Wire, WireRequest, WireResponse } from './wire/wire.ts'
import type { PreparedRequest, WirePlan } from './wire-plan.ts'

/** Behaviour switches shared by every mode. */
export interface FetchTransportSettings {
  /** The wire that sends requests. @default fetchWire(fetch) */
  readonly wire?: Wire | undefined
  /** Custom fetch for the default wire; `globalThis.fetch` (looked up per request) otherwise. Ignored with `wire`. */
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

/**
 * HEAD statuses after which S3 mode asks a GET for the error code: every 4xx that a code tells
 * apart (400 InvalidRequest from InvalidArgument, 403 AccessDenied from SignatureDoesNotMatch,
 * InvalidObjectState or an expired token; 404 NoSuchBucket from NoSuchKey). Not 412 (a failed
 * precondition says all there is), 416 (no Range on a HEAD), nor 408 and 429, which a second
 * request would only add load to.
 */
function codeWorthAGet(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 412, 416, 429].includes(status)
}

/** Who answers, as error messages name it. */
const STORE_NAMES = { oss: 'OSS', s3: 'the store', url: 'the server' } as const

interface Sent {
  readonly response: WireResponse
  readonly prepared: PreparedRequest
  readonly now: number
}

// A browser answers a `redirect: 'manual'` request with an opaque response: no status, no Location.
const HIDDEN_REDIRECT =
  'the server redirected the request, and this runtime (a browser) does not tell where to; ' +
  "with credentials bound to the URL's origin (basicAuth, user:password@ or headersBoundToOrigin) " +
  'the transport follows redirects itself so that they never reach another host, which a browser ' +
  'does not allow: give the URL the redirect leads to'

function isOk(status: number): boolean {
  return status >= 200 && status < 300
}

/**
 * A Transport over a Wire (WHATWG fetch by default). The mode (plain URL, OSS, S3) only decides
 * where requests go and how they are signed; status checks, Content-Range validation, byte
 * counting and error mapping come from `@resumable/core/http`, the same for every transport.
 */
export class FetchTransport implements Transport {
  /** Credential-free identity of the object (`oss://…`, `s3://…`, or the URL without its query). */
  readonly id: string
  readonly #plan: WirePlan
  readonly #settings: FetchTransportSettings
  readonly #wire: Wire
  /** S3 (SigV4) signs: its single-part ETags are MD5s. */
  readonly #s3: boolean
  #clockOffsetMs = 0

  constructor(plan: WirePlan, settings: FetchTransportSettings = {}) {
    this.id = plan.id
    this.#plan = plan
    this.#s3 = plan.flavor === 's3'
    this.#settings = settings
    this.#wire = settings.wire ?? fetchWire(settings.fetch)
  }

  /** Learns size and identity: HEAD, or a one-byte ranged GET for GET-only (presigned) URLs. */
  async stat(options: CallOptions = {}): Promise<ObjectInfo> {
    const { signal } = options
    const method = this.#plan.statMethod
    if (method === 'range-get') return this.#probe(signal)
    const headers = new RequestHeaders()
    if (this.#plan.flavor === 's3') headers.set('x-amz-checksum-mode', 'ENABLED')
    // Kept before signing adds to it in place: a GET for a refusal's code sends these again.
    const asked = Object.fromEntries(headers)
    const describe = `HEAD ${this.id}`
    const sent = await this.#send('HEAD', headers, this.#versionQuery(undefined), signal, describe)
    const { response } = sent
    if (!isOk(response.status)) {
      if (method === 'auto' && HEAD_REFUSED.has(response.status)) {
        await response.discard()
        return this.#probe(signal)
      }
      throw await this.#headFailure(sent, asked, describe, signal)
    }
    await response.discard()
    refuseEncoding(response, describe)
    const size = parseContentLength(response.header('content-length'))
    // No Content-Length (a chunked server): an object of unknown length, read as one stream.
    const info =
      size === undefined
        ? { ...objectInfoFromHead(response, 0, { ranged: false, s3: this.#s3 }), sizeKnown: false }
        : objectInfoFromHead(response, size, { ranged: false, s3: this.#s3 })
    const checked = this.#checked(info, response, sent)
    return this.#s3 ? this.#withUploadParts(checked, response, signal) : checked
  }

  /**
   * A multipart object's composite CRC, which can only be checked part by part, with the size of
   * its upload parts from HEADs of its first and last parts (S3's documented way: a part's
   * Content-Length, and `x-amz-mp-parts-count`). The SDKs and CLIs upload parts of one size but
   * the last; a layout that does not fit that, or no answer, leaves the object without its
   * checksum rather than risk refusing good bytes.
   */
  async #withUploadParts(
    info: ObjectInfo,
    head: ResponseHead,
    signal: AbortSignal | undefined,
  ): Promise<ObjectInfo> {
    const composite = info.checksum ? undefined : compositeChecksum(head)
    if (!composite || info.sizeKnown === false || !this.#plan.canAddQuery) return info
    const first = await this.#partHead(info, 1, signal)
    if (!first || first.count !== composite.parts || first.length < 1) return info
    const { count, length: partSize } = first
    if (Math.ceil(info.size / partSize) !== count) return info
    // Two parts need no second HEAD: the last is whatever part 1 leaves, by the count's check.
    if (count > 2) {
      const last = await this.#partHead(info, count, signal)
      if (last?.length !== info.size - (count - 1) * partSize) return info
    }
    const { algorithm, value } = composite
    return { ...info, checksum: { algorithm, value, uploadParts: { count, size: partSize } } }
  }

  /** A HEAD of one part of `info`'s version: its length and the object's part count. */
  async #partHead(
    info: ObjectInfo,
    number: number,
    signal: AbortSignal | undefined,
  ): Promise<{ length: number; count: number } | undefined> {
    const describe = `HEAD ${this.id} part ${number}`
    const headers = new RequestHeaders({ 'x-amz-checksum-mode': 'ENABLED' })
    if (info.etag !== undefined) headers.set('if-match', info.etag)
    const query: [string, string][] = [['partNumber', String(number)]]
    if (info.versionId !== undefined) query.unshift(['versionId', info.versionId])
    const sent = await this.#send('HEAD', headers, query, signal, describe)
    const { response } = sent
    if (!isOk(response.status)) {
      const failure = await this.#failure(sent, describe, signal, info)
      // A refusal of this one request only costs the check; a passing fault is retried with stat.
      if (isTransportError(failure) && failure.retryable) throw failure
      return undefined
    }
    await response.discard()
    const length = parseContentLength(response.header('content-length'))
    const count = Number(response.header('x-amz-mp-parts-count'))
    return length === undefined || !Number.isSafeInteger(count) ? undefined : { length, count }
  }

  /** Reads bytes `start`..`end`, guarded by If-Match; the body is streamed, never buffered. */
  async read(request: ReadRequest): Promise<ReadResponse> {
    const { start, end, object, signal } = request
    if (request.toEnd) return this.#readToEnd(request)
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
        { retryable: false },
      )
    }
    const headers = this.#readHeaders(`bytes=${start}-${end}`, object)
    const query = this.#versionQuery(object.versionId)
    const sent = await this.#send('GET', headers, query, signal, describe)
    const { response } = sent
    if (!isOk(response.status)) throw await this.#failure(sent, describe, signal, object)
    let checked: CheckedRange
    try {
      checked = checkRangeResponse(
        response,
        { start, end, size: object.size, etag: object.etag, lastModified: object.lastModified },
        describe,
      )
    } catch (error) {
      await response.discard()
      throw error
    }
    const { length, etag, lastModified, md5: vouched } = checked
    return {
      range: { start, end },
      ...(etag === undefined ? {} : { etag }),
      ...(lastModified === undefined ? {} : { lastModified }),
      ...(vouched ? { md5: vouched.value, md5Source: vouched.header } : {}),
      ...this.#body(sent, length, describe, signal),
    }
  }

  /**
   * One GET of the whole object (no Range), If-Match `ifMatch` when given: its headers are parsed
   * exactly as a HEAD's (S3 asked for its checksum), its body is guarded like a read's. An S3
   * composite is answered as a stat, without the body, with its upload parts as `stat` learns them.
   */
  async readWhole(request: WholeReadRequest = {}): Promise<WholeRead> {
    const { signal, ifMatch } = request
    const describe = `GET ${this.id}`
    const headers = new RequestHeaders()
    if (this.#plan.flavor === 's3') headers.set('x-amz-checksum-mode', 'ENABLED')
    // A weak ETag never matches If-Match (strong comparison): it would fail every read.
    if (ifMatch !== undefined && !ifMatch.startsWith('W/')) headers.set('if-match', ifMatch)
    const sent = await this.#send('GET', headers, this.#versionQuery(undefined), signal, describe)
    const { response } = sent
    if (!isOk(response.status)) throw await this.#failure(sent, describe, signal)
    let object: ObjectInfo
    let length: number | undefined
    try {
      if (response.status !== 200)
        throw new TransportError(
          'protocol',
          `${describe}: expected 200 to a GET without Range, got ${response.status}`,
          { status: response.status },
        )
      refuseEncoding(response, describe)
      length = parseContentLength(response.header('content-length'))
      object =
        length === undefined
          ? {
              ...objectInfoFromHead(response, 0, { ranged: false, s3: this.#s3 }),
              sizeKnown: false,
            }
          : objectInfoFromHead(response, length, { ranged: false, s3: this.#s3 })
      object = this.#checked(object, response, sent)
    } catch (error) {
      await response.discard()
      throw error
    }
    if (this.#s3 && object.checksum === undefined && compositeChecksum(response)) {
      // A composite's layout needs part HEADs, which must not wait on this response's connection:
      // GETs holding every connection of a pool would wait on them forever. So the body goes, and
      // the answer is a stat; the engine fetches the bytes with a request of their own.
      await response.discard()
      return { object: await this.#withUploadParts(object, response, signal) }
    }
    return { object, ...this.#body(sent, length, describe, signal) }
  }

  /** One stream from `start` to wherever the server's body ends: the object's length is unknown. */
  async #readToEnd(request: ReadRequest): Promise<ReadResponse> {
    const { start, object, signal } = request
    const describe = `GET ${this.id} bytes ${start}-`
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new TransportError('invalid-request', `${describe}: not a byte offset`, {
        retryable: false,
      })
    }
    const headers = this.#readHeaders(start > 0 ? `bytes=${start}-` : undefined, object)
    const query = this.#versionQuery(object.versionId)
    const sent = await this.#send('GET', headers, query, signal, describe)
    const { response } = sent
    if (!isOk(response.status)) throw await this.#failure(sent, describe, signal, object)
    let checked: ReturnType<typeof checkStreamResponse>
    try {
      checked = checkStreamResponse(response, start, describe)
    } catch (error) {
      await response.discard()
      throw error
    }
    const { etag } = checked
    return {
      range: { start, end: checked.end },
      ...(etag === undefined ? {} : { etag }),
      ...this.#body(sent, checked.length, describe, signal),
    }
  }

  /** A response's body, guarded (byte count, drops, the caller's abort), and whether its chunks are lent. */
  #body(
    sent: Sent,
    length: number | undefined,
    describe: string,
    signal: AbortSignal | undefined,
  ): Pick<ReadResponse, 'body' | 'chunksLent' | 'keep'> {
    const { response } = sent
    const body = guardBody(response.body, length, {
      describe,
      signal,
      secrets: sent.prepared.secrets,
      release: () => void response.discard(),
    })
    if (!response.chunksLent) return { body }
    return { body, chunksLent: true, ...(response.keep && { keep: response.keep }) }
  }

  #readHeaders(range: string | undefined, object: ObjectInfo): HeaderFields {
    const headers = new RequestHeaders(range === undefined ? {} : { range })
    // A weak ETag never matches If-Match (strong comparison): it would fail every read.
    if (object.etag !== undefined && !object.etag.startsWith('W/'))
      headers.set('if-match', object.etag)
    else if (object.lastModified !== undefined)
      headers.set('if-unmodified-since', object.lastModified)
    if (this.#settings.ossRangeBehavior) headers.set('x-oss-range-behavior', 'standard')
    return headers
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
    const headers = new RequestHeaders({ range: 'bytes=0-0' })
    const sent = await this.#send('GET', headers, this.#versionQuery(undefined), signal, describe)
    const { response } = sent
    const { status } = response
    if (status === 416) {
      // bytes=0-0 is satisfiable for any non-empty object: a 416 means it is empty.
      const total = parseUnsatisfiedRange(response.header('content-range'))
      if (total === undefined || total === 0) {
        await response.discard()
        const info = objectInfoFromHead(response, 0, {
          ranged: false,
          acceptRanges: true,
          s3: this.#s3,
        })
        return this.#checked(info, response, sent)
      }
    }
    if (!isOk(status)) throw await this.#failure(sent, describe, signal)
    // Only the headers matter; the one byte (or, on a 200, the whole object) is not wanted.
    await response.discard()
    refuseEncoding(response, describe)
    let size: number | undefined
    if (status === 206) {
      const range = parseContentRange(response.header('content-range'))
      size = range?.start === 0 ? range.size : undefined
      if (size === undefined) {
        throw new TransportError(
          'protocol',
          `${describe}: unusable Content-Range ${JSON.stringify(response.header('content-range') ?? null)}`,
          { status },
        )
      }
    } else if (status === 200) {
      size = parseContentLength(response.header('content-length'))
      // No Content-Length, as a HEAD may answer too (a chunked server, a dynamic link): an object
      // of unknown length, read as one stream. The 200 already says Range is not honoured.
      if (size === undefined) {
        const info = objectInfoFromHead(response, 0, {
          ranged: false,
          acceptRanges: false,
          s3: this.#s3,
        })
        return this.#checked({ ...info, sizeKnown: false }, response, sent)
      }
    }
    if (size === undefined) {
      throw new TransportError(
        'protocol',
        `${describe}: the server told neither Content-Range nor Content-Length`,
        { status, retryable: false },
      )
    }
    const info = objectInfoFromHead(response, size, {
      ranged: status === 206,
      acceptRanges: status === 206,
      s3: this.#s3,
    })
    return this.#checked(info, response, sent)
  }

  #checked(info: ObjectInfo, head: ResponseHead, sent: Sent): ObjectInfo {
    if (!this.#settings.skipArchiveCheck) {
      assertRestored(info, head, {
        describe: `stat ${this.id}`,
        now: sent.now,
        directReadOption: '{ skipArchiveCheck: true }',
      })
    }
    return info
  }

  async #send(
    method: 'GET' | 'HEAD',
    headers: HeaderFields,
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
    let response: WireResponse
    try {
      const request: WireRequest = {
        method,
        url: prepared.url,
        // The fields iterate with lower-case names, as a wire expects.
        headers: Object.fromEntries(headers),
        signal,
        // Per request, so a caller's wire obeys it too: a signed request never follows a redirect.
        redirect: this.#plan.redirect === 'manual' ? 'manual' : 'follow',
      }
      const { keepHome } = this.#plan
      response =
        keepHome === undefined || request.redirect === 'manual'
          ? await this.#wire.send(request)
          : await followRedirects((hop) => this.#wire.send(hop), request, keepHome)
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      throw networkFailure(error, {
        describe,
        secrets: prepared.secrets,
        unresolvedAdvice: this.#plan.unresolvedAdvice,
      })
    }
    if (response.status === 0 && this.#plan.keepHome !== undefined) {
      // A browser's opaque redirect: where it leads is hidden, so the loop that keeps the
      // credentials home cannot run, and following natively would send them along blindly.
      await response.discard()
      throw new TransportError('invalid-request', `${describe}: ${HIDDEN_REDIRECT}`, {
        status: 0,
        retryable: false,
      })
    }
    return { response, prepared, now }
  }

  /**
   * A refused HEAD's error. S3's HeadObject reference says a HEAD error carries only a generic
   * status (400, 403, 404, …) because a HEAD answer has no body, so the exact error cannot be
   * known from it (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). An S3
   * refusal without a code is therefore asked once more as `GET Range: bytes=0-0` with the same headers and
   * query, and the code, message and ids of that answer's error XML classify the error. Only the
   * error document is read (capped by `readBodyText`); a GET that succeeds (a HEAD-only refusal)
   * or fails without a code leaves the HEAD's error as it was.
   */
  async #headFailure(
    sent: Sent,
    asked: Readonly<Record<string, string>>,
    describe: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const { status } = sent.response
    const headError = await this.#failure(sent, describe, signal)
    if (!this.#s3 || !isTransportError(headError) || headError.code !== undefined) return headError
    // A retryable refusal (a clock skew already corrected) is asked again anyway.
    if (headError.retryable || !codeWorthAGet(status)) return headError
    // The plan adds the store's headers (SSE-C key, request payer) to the GET as it did to the HEAD.
    const getHeaders = new RequestHeaders({ ...asked, range: 'bytes=0-0' })
    let got: Sent
    try {
      const query = this.#versionQuery(undefined)
      got = await this.#send('GET', getHeaders, query, signal, `GET ${this.id} bytes 0-0`)
    } catch {
      // The GET only adds detail: its own failure must not hide the refusal the HEAD got.
      if (signal?.aborted) throw signal.reason
      return headError
    }
    if (isOk(got.response.status)) {
      await got.response.discard()
      return headError
    }
    const getError = await this.#failure(got, describe, signal)
    if (signal?.aborted) return signal.reason
    // Another status would be another refusal than the HEAD's: its code would mislabel it.
    const same = isTransportError(getError) && getError.status === status
    return same && getError.code !== undefined ? getError : headError
  }

  async #failure(
    sent: Sent,
    describe: string,
    signal: AbortSignal | undefined,
    object?: ObjectInfo,
  ): Promise<unknown> {
    const { response } = sent
    const body = await readBodyText(response.body)
    if (signal?.aborted) return signal.reason
    const result = storeFailure(response, storeErrorFields(response, body), {
      describe,
      secrets: sent.prepared.secrets,
      now: sent.now,
      rotatingCredentials: this.#plan.rotatingCredentials,
      correctClockSkew: this.#plan.signed,
      storeName: STORE_NAMES[this.#plan.flavor],
      redirectAdvice: this.#plan.redirectAdvice,
      url: sent.prepared.url,
      object,
    })
    if (result.clockSkewMs !== undefined) this.#clockOffsetMs += result.clockSkewMs
    return result.error
  }
}
