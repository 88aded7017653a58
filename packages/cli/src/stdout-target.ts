import type { Target, TargetOpenOptions, TargetOpenResult } from '@resumable/core'
import { TargetError } from '@resumable/core'

/** Writes a chunk to the sink, resolving when it may take more (backpressure). */
export type ByteSink = (chunk: Uint8Array) => Promise<void>

/**
 * A Target that streams the object to a sink in order while parts arrive out of order: bytes
 * ahead of the next offset wait in memory (bounded by concurrency × part size, since parts are
 * scheduled in order). Nothing is durable, so it is used without a checkpoint.
 */
export class StdoutTarget implements Target {
  /** Not a file: a checkpoint keyed on it would be meaningless. */
  readonly id = '-'
  readonly #sink: ByteSink
  readonly #pending = new Map<number, Uint8Array>()
  #next = 0
  #size = 0

  constructor(sink: ByteSink) {
    this.#sink = sink
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
    this.#next += chunk.length
    await this.#sink(chunk)
  }
}
