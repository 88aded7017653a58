import type { BatchJournalStore } from '@resumable/core'

/**
 * A BatchJournalStore in memory. Appends are durable at once; `tearLastAppend` cuts bytes off the
 * end, as a crash in the middle of an append would, so tests can check torn-tail tolerance.
 */
export class MemoryBatchJournalStore implements BatchJournalStore {
  #bytes: Uint8Array | undefined
  /** Appends made, for tests that assert group commit. */
  appends = 0
  /** Time each append takes, as an fsync would. */
  appendDelayMs = 0

  /** A copy of the journal, or undefined when there is none. */
  async load(): Promise<Uint8Array | undefined> {
    return this.#bytes?.slice()
  }

  /** Appends a copy of `data`. */
  async append(data: Uint8Array): Promise<void> {
    if (this.appendDelayMs > 0)
      await new Promise((resolve) => setTimeout(resolve, this.appendDelayMs))
    const old = this.#bytes ?? new Uint8Array(0)
    const next = new Uint8Array(old.length + data.length)
    next.set(old)
    next.set(data, old.length)
    this.#bytes = next
    this.appends++
  }

  /** Replaces the journal with a copy of `data`. */
  async save(data: Uint8Array): Promise<void> {
    this.#bytes = data.slice()
  }

  /** Forgets the journal. */
  async remove(): Promise<void> {
    this.#bytes = undefined
  }

  /** True while a journal exists. */
  get exists(): boolean {
    return this.#bytes !== undefined
  }

  /** Drops the last `n` bytes, as a crash mid-append would. */
  tearLastAppend(n: number): void {
    if (this.#bytes) this.#bytes = this.#bytes.slice(0, Math.max(0, this.#bytes.length - n))
  }

  /** Overwrites one byte, as a damaged disk would. */
  flipByte(offset: number): void {
    if (this.#bytes && offset < this.#bytes.length)
      this.#bytes[offset] = (this.#bytes[offset] as number) ^ 0xff
  }
}
