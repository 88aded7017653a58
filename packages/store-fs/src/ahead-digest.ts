import { createHash, type Hash } from 'node:crypto'
import type { DigestAlgorithm, TargetSpan } from '@resumable/core'

/**
 * Bytes read and hashed at a time, through one reused buffer. Each piece is hashed on the calling
 * thread, which also reads the sockets: an MD5 of 1 MiB holds it about 1.7 ms here.
 */
const PIECE_BYTES = 1024 * 1024

/** Reads up to `length` bytes at `position` into `buffer`; resolves to how many it read. */
export type ReadAt = (buffer: Uint8Array, length: number, position: number) => Promise<number>

/**
 * The digests of a file's bytes from offset 0, hashed while the file is still being written (a
 * Target's `hashAhead`): each write says where it lands before it starts (`willWrite`) and when it
 * is done (`wrote`); whenever a whole piece past what is hashed is in place, it is read back
 * (from the page cache, moments after it was written) and hashed. `digest` then reads only what
 * is left. Any byte written twice (a part fetched again after a bad CRC or a dropped connection)
 * may already be hashed as it was, so from then on `digest` answers undefined and the caller reads
 * the whole file back, as without this.
 */
export class AheadDigest {
  readonly #hashes: Map<DigestAlgorithm, Hash>
  readonly #readAt: ReadAt
  /** Bytes [0, hashed) are in the hashes. */
  #hashed = 0
  /** Bytes [0, inPlace) are written or were present. */
  #inPlace = 0
  /** Written spans past `inPlace`, sorted by start and disjoint. */
  #spans: TargetSpan[] = []
  /** Writes started and not finished. */
  readonly #writing: TargetSpan[] = []
  /** The background hashing, while it runs. */
  #pumping: Promise<void> | undefined
  /** Set while `digest` hashes the rest: no background run starts. */
  #finishing = false
  /** The hashes may not be the file's bytes (a byte written twice, a failed write or read). */
  #broken = false
  #stopped = false
  #buffer: Uint8Array | undefined
  /** The finished digests, and of how many bytes. */
  #values: { readonly length: number; readonly hex: Map<DigestAlgorithm, string> } | undefined

  constructor(
    algorithms: readonly DigestAlgorithm[],
    readAt: ReadAt,
    present: readonly TargetSpan[] = [],
  ) {
    this.#hashes = new Map(algorithms.map((algorithm) => [algorithm, createHash(algorithm)]))
    this.#readAt = readAt
    for (const { start, end } of present) if (end > start) this.#add(start, end)
  }

  /** A write of bytes [start, end) is about to start. */
  willWrite(start: number, end: number): void {
    if (this.#broken || end <= start) return
    const overlaps = (span: TargetSpan): boolean => start < span.end && end > span.start
    if (start < this.#inPlace || this.#spans.some(overlaps) || this.#writing.some(overlaps))
      this.#broken = true
    else this.#writing.push({ start, end })
  }

  /** The write of [start, end) announced by `willWrite` ended; `ok` false when it failed. */
  wrote(start: number, end: number, ok = true): void {
    const at = this.#writing.findIndex((span) => span.start === start && span.end === end)
    if (at >= 0) this.#writing.splice(at, 1)
    if (!ok) this.#broken = true
    if (this.#broken || end <= start) return
    this.#add(start, end)
    this.#pump()
  }

  /**
   * The digest of the first `length` bytes, every one of them now in place: what was hashed ahead
   * and the rest, read now. Undefined when this cannot tell (an algorithm not asked for, a byte
   * written twice, a failed read): the caller reads the file back itself.
   */
  async digest(
    algorithm: DigestAlgorithm,
    length: number,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    // A pause stops the check as it would stop a whole read-back, however little is left.
    signal?.throwIfAborted()
    if (this.#values !== undefined)
      return this.#values.length === length ? this.#values.hex.get(algorithm) : undefined
    if (!this.#hashes.has(algorithm)) return undefined
    while (this.#pumping) await this.#pumping
    if (this.#broken || this.#stopped || this.#hashed > length) return undefined
    this.#finishing = true
    try {
      await this.#hash(() => length, 1, signal)
    } catch (error) {
      if (signal?.aborted) throw error
      return undefined
    } finally {
      this.#finishing = false
    }
    if (this.#broken || this.#stopped || this.#hashed !== length) return undefined
    const hex = new Map([...this.#hashes].map(([name, hash]) => [name, hash.digest('hex')]))
    this.#values = { length, hex }
    return hex.get(algorithm)
  }

  /** Stops hashing; resolves when no read is running (the file may then be closed). */
  async stop(): Promise<void> {
    this.#stopped = true
    while (this.#pumping) await this.#pumping
  }

  /** Records [start, end) as in place. */
  #add(start: number, end: number): void {
    if (start <= this.#inPlace) this.#inPlace = Math.max(this.#inPlace, end)
    else {
      this.#spans.push({ start, end })
      this.#spans.sort((a, b) => a.start - b.start)
    }
    // Spans that now touch the prefix join it.
    let joined = 0
    for (const span of this.#spans) {
      if (span.start > this.#inPlace) break
      this.#inPlace = Math.max(this.#inPlace, span.end)
      joined++
    }
    if (joined > 0) this.#spans = this.#spans.slice(joined)
  }

  /** Hashes in the background while a whole piece is in place and not hashed. */
  #pump(): void {
    if (this.#pumping || this.#finishing || this.#stopped) return
    if (this.#inPlace - this.#hashed < PIECE_BYTES) return
    this.#pumping = this.#hash(() => this.#inPlace, PIECE_BYTES)
      .catch(() => {
        this.#broken = true
      })
      .finally(() => {
        this.#pumping = undefined
      })
  }

  /** Reads and hashes pieces while at least `least` bytes before `limit()` are not hashed. */
  async #hash(limit: () => number, least: number, signal?: AbortSignal): Promise<void> {
    this.#buffer ??= new Uint8Array(PIECE_BYTES)
    const buffer = this.#buffer
    while (!this.#broken && !this.#stopped && limit() - this.#hashed >= least) {
      signal?.throwIfAborted()
      const length = Math.min(PIECE_BYTES, limit() - this.#hashed)
      for (let done = 0; done < length; ) {
        const read = await this.#readAt(buffer.subarray(done), length - done, this.#hashed + done)
        if (read === 0) throw new Error(`the file ends before byte ${this.#hashed + length}`)
        done += read
      }
      // A write into these bytes began while they were read: they may be a mix.
      if (this.#broken || this.#stopped) return
      const piece = buffer.subarray(0, length)
      for (const hash of this.#hashes.values()) hash.update(piece)
      this.#hashed += length
    }
  }
}
