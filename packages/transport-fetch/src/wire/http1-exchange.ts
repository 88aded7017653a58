import type { ConnectionReader, Http1Connection, Slab } from './http1-connection.ts'
import { Http1ResponseParser } from './http1-response-parser.ts'

/** A body piece and the slab it lives in. */
interface Piece {
  readonly view: Uint8Array
  readonly slab: Slab
}

/** The head of a response, as the wire hands it on. */
export interface ExchangeHead {
  readonly status: number
  readonly headers: ReadonlyMap<string, string>
}

/** Pieces queued ahead of the reader before the socket pauses. */
const QUEUED_PIECES = 2

/** How an exchange ends for its connection: kept for the next request, or closed. */
export type ExchangeOutcome = 'reusable' | 'closed'

/**
 * One request and its response on a connection. Body pieces are lent: each is a view into the
 * connection's slab, valid until the reader asks for the next piece (or lets the body go). The
 * socket pauses while pieces wait, so memory is a few slabs per connection whatever the body's size.
 */
export class Http1Exchange implements ConnectionReader {
  readonly #connection: Http1Connection
  readonly #parser: Http1ResponseParser
  readonly #onOutcome: (outcome: ExchangeOutcome) => void
  readonly #queue: Piece[] = []
  #slab: Slab | undefined
  #held: Piece | undefined
  #pending:
    | { resolve(result: IteratorResult<Uint8Array>): void; reject(error: unknown): void }
    | undefined
  #head: { resolve(head: ExchangeHead): void; reject(error: unknown): void } | undefined
  #ended = false
  #failure: { readonly error: unknown } | undefined
  #paused = false
  #settled = false
  /** Pieces wait for the end of the socket read, to go out as one (see the constructor). */
  readonly #coalesce: boolean
  #deliverySet = false
  /** True once any byte of a response arrived: a failure before that may be retried elsewhere. */
  answered = false
  /** The final response's head, once it arrived. */
  head: ExchangeHead | undefined

  constructor(
    connection: Http1Connection,
    method: string,
    onOutcome: (outcome: ExchangeOutcome) => void,
  ) {
    this.#connection = connection
    this.#onOutcome = onOutcome
    // Over TLS a read is a run of records of at most 16 KiB, each handed over on its own. Each
    // piece handed out costs the reader a round of promises, so on TLS the records of one read
    // that land side by side in a slab go out as one piece, once the read is over.
    this.#coalesce = connection.recordsPerRead
    this.#parser = new Http1ResponseParser(method, {
      head: (status, headers) => {
        const waiter = this.#head
        this.#head = undefined
        this.head = { status, headers }
        waiter?.resolve(this.head)
      },
      body: (view) => {
        const slab = this.#slab as Slab
        const last = this.#coalesce ? this.#queue[this.#queue.length - 1] : undefined
        if (last?.slab === slab && adjoins(last.view, view)) {
          const { buffer, byteOffset, length } = last.view
          this.#queue[this.#queue.length - 1] = {
            view: new Uint8Array(buffer, byteOffset, length + view.length),
            slab,
          }
          return
        }
        slab.lent++
        const piece = { view, slab }
        if (!this.#pending) this.#queue.push(piece)
        else if (!this.#coalesce) this.#handOut(piece)
        else {
          this.#queue.push(piece)
          this.#deliverAfterRead()
        }
      },
      end: (reusable) => {
        this.#ended = true
        // Over TLS the records of one read keep coming after the socket was paused, the last
        // one included: a connection kept for the next request must be reading again.
        if (this.#paused) {
          this.#paused = false
          this.#connection.resume()
        }
        // The connection is free now: pieces still queued live in slabs it will not read into.
        this.#conclude(reusable ? 'reusable' : 'closed')
        this.#deliver()
      },
    })
  }

  /** Sends the request; resolves with the final response's head. */
  send(requestHead: string): Promise<ExchangeHead> {
    return new Promise((resolve, reject) => {
      this.#head = { resolve, reject }
      this.#connection.start(requestHead, this)
    })
  }

  receive(slab: Slab, at: number, length: number): boolean {
    if (this.#failure) return false
    this.answered = true
    this.#slab = slab
    try {
      this.#parser.feed(slab.bytes.subarray(at, at + length))
    } catch (error) {
      // Bytes after a complete response only cost the connection, not the response.
      if (this.#ended) this.#connection.destroy()
      else this.fail(error)
      return false
    }
    if (this.#queue.length < QUEUED_PIECES || this.#ended) return true
    this.#paused = true
    return false
  }

  closed(error: Error | undefined): void {
    if (this.#ended || this.#failure) return
    if (error) {
      this.fail(error)
      return
    }
    try {
      this.#parser.close()
    } catch (premature) {
      this.fail(premature)
    }
  }

  /** Ends the exchange with `error`: the head's promise or the next read rejects with it. */
  fail(error: unknown): void {
    if (this.#ended || this.#failure) return
    this.#failure = { error }
    this.#conclude('closed')
    const head = this.#head
    this.#head = undefined
    head?.reject(error)
    this.#deliver()
  }

  /** The next piece; the previous one's memory is reused after this call. */
  next(): Promise<IteratorResult<Uint8Array>> {
    this.#held?.slab.release()
    this.#held = undefined
    if (this.#pending)
      return Promise.reject(new Error('next() called while another read is pending'))
    const piece = this.#queue.shift()
    if (piece) {
      this.#held = piece
      this.#resumeIfDrained()
      return Promise.resolve({ done: false, value: piece.view })
    }
    if (this.#failure) return Promise.reject(this.#failure.error)
    if (this.#ended) return Promise.resolve({ done: true, value: undefined })
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject }
      this.#resumeIfDrained()
    })
  }

  /**
   * Keeps the memory of `chunk`, the piece last handed out (or part of it), from reuse until the
   * returned function is called: the connection reads on into other slabs meanwhile.
   */
  keep(chunk: Uint8Array): () => void {
    const held = this.#held
    if (held === undefined || !isWithin(chunk, held.view)) {
      throw new Error('keep() takes the piece last handed out, or part of it')
    }
    const { slab } = held
    slab.lent++
    let kept = true
    return () => {
      if (!kept) return
      kept = false
      slab.release()
    }
  }

  /** Lets the body go: a complete one keeps the connection, an unfinished one closes it. */
  discard(): void {
    this.abort(new Error('the body was discarded'))
  }

  /** Drops what is queued and, unless the response was complete, fails with `reason` and closes. */
  abort(reason: unknown): void {
    this.#held?.slab.release()
    this.#held = undefined
    for (const piece of this.#queue.splice(0)) piece.slab.release()
    this.fail(reason)
  }

  #handOut(piece: Piece): void {
    const pending = this.#pending
    this.#pending = undefined
    this.#held = piece
    pending?.resolve({ done: false, value: piece.view })
  }

  /** Delivers once the socket's read is over: after I/O, before the loop waits again. */
  #deliverAfterRead(): void {
    if (this.#deliverySet) return
    this.#deliverySet = true
    setImmediate(() => {
      this.#deliverySet = false
      this.#deliver()
    })
  }

  #deliver(): void {
    if (!this.#pending) return
    const piece = this.#queue.shift()
    if (piece) this.#handOut(piece)
    else if (this.#failure) {
      const pending = this.#pending
      this.#pending = undefined
      pending.reject(this.#failure.error)
    } else if (this.#ended) {
      const pending = this.#pending
      this.#pending = undefined
      pending.resolve({ done: true, value: undefined })
    }
  }

  #resumeIfDrained(): void {
    if (this.#paused && this.#queue.length === 0 && !this.#ended && !this.#failure) {
      this.#paused = false
      this.#connection.resume()
    }
  }

  #conclude(outcome: ExchangeOutcome): void {
    if (this.#settled) return
    this.#settled = true
    if (outcome === 'closed') this.#connection.destroy()
    this.#onOutcome(outcome)
  }
}

/** True when `part` is a view of bytes inside `whole`. */
function isWithin(part: Uint8Array, whole: Uint8Array): boolean {
  return (
    part.buffer === whole.buffer &&
    part.byteOffset >= whole.byteOffset &&
    part.byteOffset + part.length <= whole.byteOffset + whole.length
  )
}

/** True when `next` starts where `last` ends, in the same memory. */
function adjoins(last: Uint8Array, next: Uint8Array): boolean {
  return last.buffer === next.buffer && last.byteOffset + last.length === next.byteOffset
}
