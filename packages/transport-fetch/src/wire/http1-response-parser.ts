import { concatBytes } from '@resumable/core'

/** What a response parser reports, in order: one head, body pieces, one end. */
export interface ResponseParserEvents {
  /** The final (non-1xx) status line and headers, names in lower case, repeats joined with `, `. */
  head(status: number, headers: ReadonlyMap<string, string>): void
  /** A piece of the body: a view into the bytes given to `feed`, valid as long as they are. */
  body(piece: Uint8Array): void
  /** The response is complete; `reusable` when the connection may carry another request. */
  end(reusable: boolean): void
}

/** A response that breaks HTTP/1.1 framing; `code` names the rule. */
export class HttpParseError extends Error {
  override readonly name = 'HttpParseError'
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

/** Heads past this are refused: real ones are a few hundred bytes (undici and Node allow 16–64 KiB). */
const HEAD_LIMIT = 64 * 1024
/** A chunk-size line with its extensions; anything longer is not HTTP. */
const CHUNK_LINE_LIMIT = 4096

const CR = 13
const LF = 10
const SP = 32
const HTAB = 9
const COLON = 58

type Framing =
  | { readonly kind: 'head' }
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'chunk-size' }
  | { readonly kind: 'chunk-data'; remaining: number }
  | { readonly kind: 'chunk-crlf'; remaining: number }
  | { readonly kind: 'trailers' }
  | { readonly kind: 'until-close' }
  | { readonly kind: 'done' }

/**
 * An HTTP/1.1 response parser for one request on a connection (RFC 9112): status line and headers,
 * then the body framed by Content-Length, chunked transfer coding, or the connection's close.
 * Body pieces are views into the fed bytes, never copies: the caller decides how long they live.
 * Interim (1xx) responses are skipped; HEAD, 204 and 304 have no body.
 */
export class Http1ResponseParser {
  readonly #events: ResponseParserEvents
  readonly #isHead: boolean
  #framing: Framing = { kind: 'head' }
  // Chunk-size and trailer lines are short and may straddle reads: they are kept as latin1 text.
  #line = ''
  // The head is kept as bytes until its blank line (copies of the reads it straddles) and then
  // decoded field by field, so each header value is a string of its own. A value cut from one
  // decoded head would keep the whole head alive in V8 for as long as the value lives (an ETag
  // in a batch journal: ~500 bytes per object for the whole batch).
  #headPieces: Uint8Array[] = []
  #headLength = 0
  /** How much of CR LF CR LF the head read so far ends with. */
  #blankMatched = 0
  #keepAlive = true

  constructor(method: string, events: ResponseParserEvents) {
    this.#isHead = method === 'HEAD'
    this.#events = events
  }

  /** True once the response's end was reported. */
  get done(): boolean {
    return this.#framing.kind === 'done'
  }

  /** True while the head has not fully arrived (no byte of a response counts as a started body). */
  get awaitingHead(): boolean {
    return this.#framing.kind === 'head'
  }

  /** Parses the next bytes from the socket. Throws HttpParseError on a response that breaks framing. */
  feed(data: Uint8Array): void {
    let at = 0
    while (at < data.length) {
      const framing = this.#framing
      switch (framing.kind) {
        case 'head':
          at = this.#readHead(data, at)
          break
        case 'length': {
          const take = Math.min(framing.remaining, data.length - at)
          framing.remaining -= take
          const piece = data.subarray(at, at + take)
          at += take
          this.#events.body(piece)
          if (framing.remaining === 0) this.#finish(this.#keepAlive)
          break
        }
        case 'until-close':
          this.#events.body(data.subarray(at))
          at = data.length
          break
        case 'chunk-size':
          at = this.#readChunkSize(data, at)
          break
        case 'chunk-data': {
          const take = Math.min(framing.remaining, data.length - at)
          const piece = data.subarray(at, at + take)
          at += take
          framing.remaining -= take
          if (framing.remaining === 0) this.#framing = { kind: 'chunk-crlf', remaining: 2 }
          this.#events.body(piece)
          break
        }
        case 'chunk-crlf': {
          const byte = data[at++]
          if (byte !== (framing.remaining === 2 ? CR : LF)) {
            throw new HttpParseError('HPE_INVALID_CHUNK', 'a chunk is not followed by CRLF')
          }
          framing.remaining--
          if (framing.remaining === 0) this.#framing = { kind: 'chunk-size' }
          break
        }
        case 'trailers':
          at = this.#readTrailers(data, at)
          break
        case 'done':
          // Bytes after a complete response, with no request outstanding: the connection is not ours to reuse.
          this.#keepAlive = false
          throw new HttpParseError('HPE_EXTRA_BYTES', 'the server sent bytes after the response')
      }
    }
  }

  /**
   * The server closed the connection. Ends a body framed by the close; anything else that was
   * not complete is a premature close (thrown, with code `ECONNRESET` so it is retried).
   */
  close(): void {
    const { kind } = this.#framing
    if (kind === 'done') return
    if (kind === 'until-close') {
      this.#finish(false)
      return
    }
    const error = new HttpParseError(
      'ECONNRESET',
      kind === 'head'
        ? 'the server closed the connection before a response'
        : 'the server closed the connection before the end of the body',
    )
    throw error
  }

  #finish(reusable: boolean): void {
    this.#framing = { kind: 'done' }
    this.#events.end(reusable)
  }

  #readHead(data: Uint8Array, at: number): number {
    // Only the head is decoded: the body bytes that came in the same read stay bytes.
    const blank = this.#findBlankLine(data, at)
    const end = blank < 0 ? data.length : blank
    if (this.#headLength + (end - at) > HEAD_LIMIT) {
      throw new HttpParseError(
        'HPE_HEADER_OVERFLOW',
        `the response head exceeds ${HEAD_LIMIT} bytes`,
      )
    }
    if (blank < 0) {
      // The caller may reuse `data` once `feed` returns: keep a copy.
      this.#headPieces.push(data.slice(at, end))
      this.#headLength += end - at
      return end
    }
    const whole =
      this.#headPieces.length === 0
        ? data.subarray(at, end)
        : concatBytes([...this.#headPieces, data.subarray(at, end)])
    this.#headPieces = []
    this.#headLength = 0
    this.#blankMatched = 0
    this.#startBody(whole.subarray(0, whole.length - 4))
    return end
  }

  /** Where the head ends in `data` from `at`: the index just past `\r\n\r\n`, or -1. */
  #findBlankLine(data: Uint8Array, at: number): number {
    let matched = this.#blankMatched
    for (let i = at; i < data.length; i++) {
      const byte = data[i]
      if (byte === (matched % 2 === 0 ? CR : LF)) matched++
      else matched = byte === CR ? 1 : 0
      if (matched === 4) return i + 1
    }
    this.#blankMatched = matched
    return -1
  }

  #startBody(head: Uint8Array): void {
    const lines = lineRanges(head)
    const [statusStart, statusEnd] = lines[0] ?? [0, 0]
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(latin1(head, statusStart, statusEnd))
    if (!statusLine) {
      throw new HttpParseError(
        'HPE_INVALID_STATUS',
        'the response does not start with an HTTP/1.x status line',
      )
    }
    const minor = statusLine[1]
    const status = Number(statusLine[2])
    const headers = new Map<string, string>()
    for (let i = 1; i < lines.length; i++) {
      const [start, end] = lines[i] as [number, number]
      const found = head.indexOf(COLON, start)
      const colon = found < 0 || found >= end ? -1 : found
      if (colon <= start || head[start] === SP || head[start] === HTAB) {
        throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'a response header line is malformed')
      }
      const name = latin1(head, start, colon).toLowerCase()
      const value = latin1(head, colon + 1, end).trim()
      const earlier = headers.get(name)
      headers.set(name, earlier === undefined ? value : `${earlier}, ${value}`)
    }
    // Interim answers (100 Continue, 103 Early Hints) precede the real one; 101 is never asked for.
    if (status >= 100 && status < 200) return
    const connection = headers.get('connection')?.toLowerCase() ?? ''
    this.#keepAlive =
      minor === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /keep-alive/.test(connection)
    this.#events.head(status, headers)
    if (this.#isHead || status === 204 || status === 304) {
      this.#finish(this.#keepAlive)
      return
    }
    const coding = headers.get('transfer-encoding')
    if (coding !== undefined) {
      // RFC 9112 §6.3: chunked last means chunked framing; any other coding runs until the close.
      if (/(^|,)\s*chunked\s*$/i.test(coding)) this.#framing = { kind: 'chunk-size' }
      else {
        this.#keepAlive = false
        this.#framing = { kind: 'until-close' }
      }
      return
    }
    const length = headers.get('content-length')
    if (length === undefined) {
      this.#keepAlive = false
      this.#framing = { kind: 'until-close' }
      return
    }
    const values = new Set(length.split(',').map((v) => v.trim()))
    const only = values.size === 1 ? [...values][0] : undefined
    if (only === undefined || !/^\d{1,16}$/.test(only) || !Number.isSafeInteger(Number(only))) {
      throw new HttpParseError(
        'HPE_INVALID_CONTENT_LENGTH',
        'the response has an invalid Content-Length',
      )
    }
    const remaining = Number(only)
    if (remaining === 0) this.#finish(this.#keepAlive)
    else this.#framing = { kind: 'length', remaining }
  }

  #readChunkSize(data: Uint8Array, at: number): number {
    const lf = data.indexOf(LF, at)
    const end = lf < 0 ? data.length : lf + 1
    this.#line += latin1(data, at, end)
    if (lf < 0) {
      if (this.#line.length > CHUNK_LINE_LIMIT) {
        throw new HttpParseError('HPE_INVALID_CHUNK_SIZE', 'a chunk-size line is too long')
      }
      return end
    }
    const match = /^([0-9a-fA-F]{1,12})[ \t]*(;[^\r\n]*)?\r\n$/.exec(this.#line)
    this.#line = ''
    if (!match)
      throw new HttpParseError('HPE_INVALID_CHUNK_SIZE', 'a chunk size is not hexadecimal')
    const size = Number.parseInt(match[1] as string, 16)
    this.#framing = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining: size }
    return end
  }

  #readTrailers(data: Uint8Array, at: number): number {
    // Trailer fields are read and dropped; the response ends at the first empty line.
    for (let i = at; i < data.length; i++) {
      const byte = data[i] as number
      this.#line += String.fromCharCode(byte)
      if (byte !== LF) continue
      const line = this.#line
      this.#line = ''
      if (line === '\r\n') {
        this.#finish(this.#keepAlive)
        return i + 1
      }
      if (!line.endsWith('\r\n'))
        throw new HttpParseError('HPE_INVALID_TRAILER', 'a trailer line is malformed')
    }
    if (this.#line.length > HEAD_LIMIT) {
      throw new HttpParseError('HPE_HEADER_OVERFLOW', 'the trailers are too long')
    }
    return data.length
  }
}

/** The [start, end) of each CRLF-separated line of `head`. */
function lineRanges(head: Uint8Array): [number, number][] {
  const lines: [number, number][] = []
  let start = 0
  for (let i = 0; i + 1 < head.length; i++) {
    if (head[i] === CR && head[i + 1] === LF) {
      lines.push([start, i])
      start = i + 2
      i++
    }
  }
  lines.push([start, head.length])
  return lines
}

function latin1(data: Uint8Array, start: number, end: number): string {
  let text = ''
  // Chunks of 4 KiB keep `apply` under every engine's argument limit.
  for (let i = start; i < end; i += 4096) {
    text += String.fromCharCode.apply(
      null,
      data.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
    )
  }
  return text
}
