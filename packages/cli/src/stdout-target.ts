import type { Target, TargetOpenOptions, TargetOpenResult } from '@resumable/core'
import { TargetError } from '@resumable/core'

/** Writes a chunk to the sink, resolving when it may take more (backpressure). */
export type ByteSink = (chunk: Uint8Array) => Promise<void>

/** What the CLI says when the reader of stdout went away (`resumable get … - | head`). */
export const READER_GONE_MESSAGE = 'stdout was closed by its reader (EPIPE); stopped'

/** True for the error a write gets once the reading end of the pipe is closed. */
export function isClosedPipe(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { code?: unknown }).code === 'EPIPE' ||
      (error as { errno?: unknown }).errno === -32 ||
      (error as { name?: unknown }).name === 'BrokenPipe')
  )
}

/**
 * A Target that streams the object to a sink in order while parts arrive out of order: bytes
 * ahead of the next offset wait in memory (bounded by concurrency × part size, since parts are
 * scheduled in order). Nothing is durable, so it is used without a checkpoint.
 */
export class StdoutTarget implements Target {
  /** Not a file: a checkpoint keyed on it would be meaningless. */
  readonly id = '-'
  /** Bytes sent to stdout are gone: no second pass over them (the MD5 check) is possible. */
  readonly readable = false
  readonly #sink: ByteSink
  readonly #pending = new Map<number, Uint8Array>()
  #next = 0
  #size = 0
  #readerGone: TargetError | undefined

  constructor(sink: ByteSink) {
    this.#sink = sink
  }

  /**
   * Set once a write failed because the reader closed stdout (EPIPE): the run stops with an
   * error, it was not interrupted by the user.
   */
  get readerGone(): TargetError | undefined {
    return this.#readerGone
  }

  /** Starts at offset 0; a stream cannot be resumed. */
  async open(options: TargetOpenOptions): Promise<TargetOpenResult> {
    this.#size = options.size
    return { resumed: false }
  }

  /** Emits `data` if it is next in order, otherwise holds a copy until its turn. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset < this.#next) {
      throw new TargetError(
        'io',
        `stdout already carries bytes up to ${this.#next}; cannot rewrite ${offset}`,
      )
    }
    if (offset !== this.#next) {
      this.#pending.set(offset, data.slice())
      return
    }
    await this.#emit(data.slice())
    for (let chunk = this.#pending.get(this.#next); chunk; chunk = this.#pending.get(this.#next)) {
      this.#pending.delete(this.#next)
      await this.#emit(chunk)
    }
  }

  /** The final size of an object of unknown length; `commit` checks the stream against it. */
  async setSize(size: number): Promise<void> {
    this.#size = size
  }

  /** Bytes sent to stdout cannot be read back. */
  async read(): Promise<Uint8Array> {
    throw new TargetError('io', 'cannot read back bytes already streamed to stdout')
  }

  /** Nothing to make durable. */
  async sync(): Promise<void> {}

  /** Checks that every byte went out in order. */
  async commit(): Promise<void> {
    if (this.#next !== this.#size || this.#pending.size > 0) {
      throw new TargetError('io', `stream ended at byte ${this.#next} of ${this.#size}`)
    }
  }

  /** Drops held bytes. */
  async abort(): Promise<void> {
    this.#pending.clear()
  }

  async #emit(chunk: Uint8Array): Promise<void> {
    // Nobody reads any more: fail every later write at once instead of queueing it on a dead pipe.
    if (this.#readerGone) throw this.#readerGone
    this.#next += chunk.length
    try {
      await this.#sink(chunk)
    } catch (error) {
      if (!isClosedPipe(error)) throw error
      this.#readerGone = new TargetError('io', READER_GONE_MESSAGE, { cause: error })
      this.#pending.clear()
      throw this.#readerGone
    }
  }
}
