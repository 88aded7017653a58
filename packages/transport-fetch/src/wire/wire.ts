import type { ByteSource } from '@resumable/core'

/** One HTTP request as a wire sends it: URL final, headers signed, nothing left to decide. */
export interface WireRequest {
  /**
   * `GET` or `HEAD`; `POST` only for a small call that is safe to send twice (an STS role
   * assumption): like a GET, it is sent once more on a new connection when a kept-alive one
   * closed before any byte of an answer came.
   */
  readonly method: 'GET' | 'HEAD' | 'POST'
  /** Absolute URL, query included. */
  readonly url: string
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** A `POST`'s body, sent whole with its `content-length` (a form or JSON of a few KiB). */
  readonly body?: Uint8Array | undefined
  /** Aborts the request and its body; the wire then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined
  /**
   * `'follow'`: follow 3xx (at most 20; credentials dropped across origins). `'manual'`: hand the
   * 3xx back unfollowed. Signed modes send `'manual'` so their headers (an STS token travels in
   * one) never reach a host the signature was not made for. Every wire must honour it.
   * @default 'follow'
   */
  readonly redirect?: 'follow' | 'manual' | undefined
}

/** A response whose status and headers have arrived; its body has not been read. */
export interface WireResponse {
  /** HTTP status code. */
  readonly status: number
  /** A header by lower-case name (several values joined with `, `), or `undefined`. */
  header(name: string): string | undefined
  /** The body, read at most once. Each chunk's memory belongs to the reader unless `chunksLent`. */
  readonly body: ByteSource
  /**
   * True when the wire reuses a chunk's memory once the reader asks for the next chunk (or lets
   * the body go): a reader that keeps chunks must copy them. Absent: chunks are the reader's.
   */
  readonly chunksLent?: boolean
  /**
   * With `chunksLent`: keeps the memory of `chunk` (the chunk just read, or part of it) from reuse
   * until the returned function is called; the reader may then hold it without copying. Absent:
   * a lent chunk must be copied to be kept.
   */
  readonly keep?: (chunk: Uint8Array) => () => void
  /** Drops the unread body and frees the connection; harmless after a partial read, a full read, or twice. */
  discard(): Promise<void>
}

/** Sends HTTP requests. `fetchWire` runs everywhere; the Node wire is Node-only. */
export interface Wire {
  /** Sends one request; resolves when headers arrive. Network failures reject with the runtime's own error (its `cause`/`code` kept) and the HTTP layer classifies them. */
  send(request: WireRequest): Promise<WireResponse>
}
