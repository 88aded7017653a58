import { type BatchJournalStore, concatBytes } from '@resumable/core'

/**
 * A BatchJournalStore in memory. Appends are durable at once; `tearLastAppend` cuts bytes off the
 * end, as a crash in the middle of an append would, so tests can check torn-tail tolerance.
 */
export class MemoryBatchJournalStore implements BatchJournalStore {
  // Appended pieces, joined only when read: copying the whole journal on every append made a
  // batch of n objects cost O(n²) (a 5,000-object batch spent 37 % of its CPU here).
  #pieces: Uint8Array[] | undefined
  /** Appends made, for tests that assert group commit. */
  appends = 0
  /** Time each append takes, as an fsync would. */
  appendDelayMs = 0

  /** A copy of the journal, or undefined when there is none. */
  async load(): Promise<Uint8Array | undefined> {
    return this.#pieces === undefined ? undefined : this.#joined().slice()
  }

  /** Appends a copy of `data`. */
  async append(data: Uint8Array): Promise<void> {
    if (this.appendDelayMs > 0)
      await new Promise((resolve) => setTimeout(resolve, this.appendDelayMs))
    this.#pieces ??= []
    this.#pieces.push(data.slice())
    this.appends++
  }

  /** Replaces the journal with a copy of `data`. */
  async save(data: Uint8Array): Promise<void> {
    this.#pieces = [data.slice()]
  }

  /** Forgets the journal. */
  async remove(): Promise<void> {
    this.#pieces = undefined
  }

  /** True while a journal exists. */
  get exists(): boolean {
    return this.#pieces !== undefined
  }

  /** Drops the last `n` bytes, as a crash mid-append would. */
  tearLastAppend(n: number): void {
    if (!this.#pieces) return
    const bytes = this.#joined()
    this.#pieces = [bytes.slice(0, Math.max(0, bytes.length - n))]
  }

  /** Overwrites one byte, as a damaged disk would. */
  flipByte(offset: number): void {
    if (!this.#pieces) return
    const bytes = this.#joined()
    if (offset < bytes.length) bytes[offset] = (bytes[offset] as number) ^ 0xff
  }

  /** The journal as one array (kept as the only piece, so later reads do not join again). */
  #joined(): Uint8Array {
    const pieces = this.#pieces ?? []
    const bytes = pieces.length === 1 ? (pieces[0] as Uint8Array) : concatBytes(pieces)
    this.#pieces = [bytes]
    return bytes
  }
}
