import {
  type ByteSource,
  backoffDelay,
  isResumableError,
  type ListedObject,
  type Lister,
  sleep,
  TransportError,
} from '@resumable/core'
import {
  networkFailure,
  readBodyText,
  redactError,
  StallWatch,
  storeErrorFields,
  storeFailure,
} from '@resumable/core/http'
import { type HeaderFields, RequestHeaders } from '../request-headers.ts'
import type { Wire } from '../wire/wire.ts'
import { parseListPage } from './list-xml.ts'

/** Options every Lister accepts. */
export interface ListOptions {
  /** Only keys that start with this. @default '' (the whole bucket) */
  readonly prefix?: string
  /** Start after this key (lexicographic, UTF-8 byte order). */
  readonly startAfter?: string
  /** Keys per page, 1–1000. @default 1000 */
  readonly maxKeys?: number
  /** Attempts per page after the first, on retryable errors (5xx, 429, network). @default 5 */
  readonly retries?: number
  /** Base of the full-jitter exponential backoff. @default 200 */
  readonly retryBaseDelayMs?: number
  /**
   * A page whose answer or next chunk of body takes longer than this is aborted and retried, as
   * the engine's `stallTimeoutMs` does for an object's requests. @default 30000
   */
  readonly stallTimeoutMs?: number
  /** Called before each retry (for a progress display). */
  readonly onRetry?: (info: {
    readonly attempt: number
    readonly delayMs: number
    readonly error: TransportError
  }) => void
}

/** How one signed bucket-level GET is built: the transport-specific half of a Lister. */
export interface BucketRequestPlan {
  /** `oss://bucket/prefix` or `s3://bucket/prefix`, for messages. */
  readonly id: string
  readonly storeName: string
  readonly rotatingCredentials: boolean
  readonly signed: boolean
  readonly wire: Wire
  /**
   * The store url-encodes `NextContinuationToken` too under `encoding-type=url` (OSS, as its SDKs
   * decode it), so it is decoded before it is sent back. S3 encodes only keys and prefixes.
   */
  readonly tokenUrlEncoded?: boolean
  /** What to check when the bucket's host name does not resolve (see `networkFailure`). */
  readonly unresolvedAdvice?: string | undefined
  /** Builds the URL and signs `headers` in place. */
  prepare(
    headers: HeaderFields,
    query: readonly (readonly [string, string])[],
    date: Date,
  ): Promise<{ readonly url: string; readonly secrets: readonly string[] }>
}

/**
 * A Lister over ListObjectsV2 (`list-type=2`, `encoding-type=url`, `continuation-token`),
 * page after page; each page is retried on its own with the engine's backoff, and errors are
 * classified by `@resumable/core/http` exactly like a GET of an object.
 */
export class BucketLister implements Lister {
  readonly #plan: BucketRequestPlan
  readonly #options: ListOptions
  #clockOffsetMs = 0

  constructor(plan: BucketRequestPlan, options: ListOptions = {}) {
    const maxKeys = options.maxKeys ?? 1000
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1 || maxKeys > 1000)
      throw new TransportError(
        'invalid-request',
        `maxKeys must be from 1 to 1000, got ${String(maxKeys)}`,
        {
          retryable: false,
        },
      )
    this.#plan = plan
    this.#options = options
  }

  /** The listing's credential-free name. */
  get id(): string {
    return this.#plan.id
  }

  async *list(options: { readonly signal?: AbortSignal } = {}): AsyncIterable<ListedObject> {
    let token: string | undefined
    let page = 0
    do {
      const query: [string, string][] = [
        ['list-type', '2'],
        ['encoding-type', 'url'],
        ['max-keys', String(this.#options.maxKeys ?? 1000)],
      ]
      if (this.#options.prefix) query.push(['prefix', this.#options.prefix])
      if (token !== undefined) query.push(['continuation-token', token])
      else if (this.#options.startAfter) query.push(['start-after', this.#options.startAfter])
      const result = await this.#pageWithRetries(query, page, options.signal)
      for (const object of result.objects) yield object
      token = result.nextToken
      page++
    } while (token !== undefined)
  }

  async #pageWithRetries(
    query: readonly (readonly [string, string])[],
    page: number,
    signal: AbortSignal | undefined,
  ): Promise<ReturnType<typeof parseListPage>> {
    const retries = this.#options.retries ?? 5
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#page(query, page, signal)
      } catch (error) {
        if (signal?.aborted) throw signal.reason
        if (!(error instanceof TransportError) || !error.retryable || attempt > retries) throw error
        const delayMs = backoffDelay(
          { baseMs: this.#options.retryBaseDelayMs ?? 200, maxMs: 20_000, random: Math.random },
          attempt,
          error.retryAfterMs,
        )
        this.#options.onRetry?.({ attempt, delayMs, error })
        await sleep(delayMs, signal)
      }
    }
  }

  async #page(
    query: readonly (readonly [string, string])[],
    page: number,
    signal: AbortSignal | undefined,
  ): Promise<ReturnType<typeof parseListPage>> {
    if (signal?.aborted) throw signal.reason
    const describe = `ListObjectsV2 ${this.#plan.id} page ${page + 1}`
    const attempt = new AbortController()
    const onAbort = (): void => attempt.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    const watch = new StallWatch(this.#options.stallTimeoutMs ?? 30_000, attempt, describe)
    try {
      return await this.#pageUnder(watch, attempt.signal, query, describe)
    } finally {
      watch.stop()
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /** One page attempt: the answer, then every chunk of its body, within the stall deadline. */
  async #pageUnder(
    watch: StallWatch,
    signal: AbortSignal,
    query: readonly (readonly [string, string])[],
    describe: string,
  ): Promise<ReturnType<typeof parseListPage>> {
    const headers = new RequestHeaders({ 'accept-encoding': 'identity' })
    const now = Date.now() + this.#clockOffsetMs
    let prepared: { readonly url: string; readonly secrets: readonly string[] }
    try {
      prepared = await watch.guard(() => this.#plan.prepare(headers, query, new Date(now)))
    } catch (error) {
      if (isResumableError(error)) throw error
      throw new TransportError('auth', `${describe}: could not sign the request`, {
        retryable: true,
        cause: redactError(error),
      })
    }
    let response: Awaited<ReturnType<Wire['send']>>
    try {
      response = await watch.guard(() =>
        this.#plan.wire.send({
          method: 'GET',
          url: prepared.url,
          headers: Object.fromEntries(headers),
          signal,
          // Per request, so any wire obeys it: signed headers never follow a redirect elsewhere.
          redirect: 'manual',
        }),
      )
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw networkFailure(error, {
        describe,
        secrets: prepared.secrets,
        unresolvedAdvice: this.#plan.unresolvedAdvice,
      })
    }
    let body: string
    try {
      body =
        response.status >= 200 && response.status < 300
          ? await readAll(response.body, watch)
          : await watch.guard(() => readBodyText(response.body))
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw networkFailure(error, {
        describe,
        secrets: prepared.secrets,
        unresolvedAdvice: this.#plan.unresolvedAdvice,
      })
    }
    if (response.status < 200 || response.status >= 300) {
      const failure = storeFailure(response, storeErrorFields(response, body), {
        describe,
        secrets: prepared.secrets,
        now,
        rotatingCredentials: this.#plan.rotatingCredentials,
        correctClockSkew: this.#plan.signed,
        storeName: this.#plan.storeName,
      })
      if (failure.clockSkewMs !== undefined) this.#clockOffsetMs += failure.clockSkewMs
      throw failure.error
    }
    return parseListPage(body, describe, this.#plan.tokenUrlEncoded === true)
  }
}

/** A listing page is at most a few hundred KiB; a body that breaks off mid-way throws (and is retried). */
async function readAll(body: ByteSource, watch: StallWatch): Promise<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let text = ''
  const iterable: AsyncIterable<Uint8Array> =
    Symbol.asyncIterator in body
      ? (body as AsyncIterable<Uint8Array>)
      : streamChunks(body as ReadableStream<Uint8Array>)
  // Each chunk within the stall deadline: a page trickling in is not cut off, a stopped one is.
  const chunks = iterable[Symbol.asyncIterator]()
  try {
    for (;;) {
      const { done, value } = await watch.guard(() => chunks.next())
      if (done) return text + decoder.decode()
      text += decoder.decode(value, { stream: true })
    }
  } finally {
    // Not awaited: after a stall the generator may be stuck in a read that never settles.
    void chunks.return?.()?.catch(() => undefined)
  }
}

async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}
