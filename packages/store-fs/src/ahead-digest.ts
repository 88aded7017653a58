import type { DigestAlgorithm, TargetSpan } from '@resumable/core'
import type { PieceHasher } from './piece-hasher.ts'

/** In place and not hashed, this much starts the background hashing. */
const PIECE_BYTES = 1024 * 1024
/** Bytes handed to the hasher at a time: a pause is noticed between two of them. */
const STEP_BYTES = 8 * 1024 * 1024

/** The finished digests, by algorithm. */
type Values = ReadonlyMap<DigestAlgorithm, string>

/**
 * The digests of a file's bytes from offset 0, hashed while the file is still being written (a
 * Target's `hashAhead`): each write says where it lands before it starts (`willWrite`) and when it
 * is done (`wrote`); whenever a whole piece past what is hashed is in place, the hasher reads it
 * back (from the page cache, moments after it was written) and hashes it. `digest` then hashes
 * only what is left. Any byte written twice (a part fetched again after a bad CRC or a dropped
 * connection), or written once `digest` was asked, may already be hashed as it was, so from then
 * on `digest` answers undefined and the caller reads the whole file back, as without this.
 */
export class AheadDigest {
  readonly #algorithms: ReadonlySet<DigestAlgorithm>
  readonly #makeHasher: () => PieceHasher
  /** Made when the first bytes are hashed: a small file is read back whole by the caller. */
  #hasher: PieceHasher | undefined
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
  /** Set once `digest` is asked: the background run stops at its next step, and none starts. */
  #finishing = false
  /** The run that hashes the rest and finishes the hashes, shared by every `digest` call. */
  #finished: { readonly length: number; readonly values: Promise<Values | undefined> } | undefined
  /** The hashes may not be the file's bytes (a byte written twice, a failed write or read). */
  #broken = false
  #stopped = false
  /** The hashes were finished: no other length can be told. */
  #finalized = false

  constructor(
    algorithms: readonly DigestAlgorithm[],
    makeHasher: () => PieceHasher,
    present: readonly TargetSpan[] = [],
  ) {
    this.#algorithms = new Set(algorithms)
    this.#makeHasher = makeHasher
    for (const { start, end } of present) if (end > start) this.#add(start, end)
  }

  /** A write of bytes [start, end) is about to start. */
  willWrite(start: number, end: number): void {
    if (this.#broken || end <= start) return
    const overlaps = (span: TargetSpan): boolean => start < span.end && end > span.start
    if (
      this.#finishing ||
      start < this.#inPlace ||
      this.#spans.some(overlaps) ||
      this.#writing.some(overlaps)
    )
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
   * and the rest, hashed now. Undefined when this cannot tell (an algorithm not asked for, a byte
   * written twice, a failed read, another length than the first call's): the caller reads the
   * file back itself. Calls at once (an MD5 and a SHA) share one reading of the rest.
   */
  async digest(
    algorithm: DigestAlgorithm,
    length: number,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    // A pause stops the check as it would stop a whole read-back, however little is left.
    signal?.throwIfAborted()
    if (this.#broken || this.#stopped || !this.#algorithms.has(algorithm)) return undefined
    this.#finishing = true
    if (this.#finished && this.#finished.length !== length) {
      // Another length: only if that run left the hashes unfinished (it found more hashed).
      await this.#finished.values.catch(() => undefined)
      if (this.#finalized) return undefined
      this.#finished = undefined
    }
    this.#finished ??= { length, values: this.#finish(length, signal) }
    const run = this.#finished
    try {
      const values = await run.values
      return this.#broken ? undefined : values?.get(algorithm)
    } catch (error) {
      // Paused: a later call goes on from what is hashed.
      if (this.#finished === run) this.#finished = undefined
      if (signal?.aborted) throw error
      return undefined
    }
  }

  /**
   * How many bytes from offset 0 `digest(algorithm, length)` has hashed already and will not read
   * again: 0 when it would answer undefined (the caller then reads every byte itself).
   */
  hashed(algorithm: DigestAlgorithm, length: number): number {
    const usable =
      !this.#broken &&
      !this.#stopped &&
      this.#hasher !== undefined &&
      this.#algorithms.has(algorithm) &&
      this.#hashed <= length
    if (!usable) return 0
    // Finished for this length (a second algorithm after the first): its digest is already known.
    if (this.#finalized) return this.#finished?.length === length ? length : 0
    return this.#hashed
  }

  /** Stops hashing; resolves when the hasher reads no more (the file may then be closed). */
  async stop(): Promise<void> {
    this.#stopped = true
    while (this.#pumping) await this.#pumping
    await this.#finished?.values.catch(() => undefined)
    await this.#hasher?.close()
  }

  /** Hashes what is left of the first `length` bytes and finishes the hashes. */
  async #finish(length: number, signal?: AbortSignal): Promise<Values | undefined> {
    // The background run stops at its next step (`#finishing`).
    while (this.#pumping) await this.#pumping
    signal?.throwIfAborted()
    // Nothing hashed ahead (a file smaller than a piece): the caller's read-back costs the same.
    if (this.#hasher === undefined) return undefined
    if (this.#broken || this.#stopped || this.#hashed > length) return undefined
    try {
      await this.#hash(() => length, 1, signal)
      if (this.#broken || this.#stopped) return undefined
      this.#finalized = true
      return await this.#hasher.finish()
    } catch (error) {
      if (signal?.aborted) throw error
      this.#broken = true
      return undefined
    }
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
    this.#pumping = this.#hash(() => this.#inPlace, PIECE_BYTES, undefined, true)
      .catch(() => {
        this.#broken = true
      })
      .finally(() => {
        this.#pumping = undefined
      })
  }

  /**
   * Hashes steps while at least `least` bytes before `limit()` are not hashed; in the
   * `background`, only until `digest` is asked.
   */
  async #hash(
    limit: () => number,
    least: number,
    signal?: AbortSignal,
    background = false,
  ): Promise<void> {
    while (!this.#broken && !this.#stopped && limit() - this.#hashed >= least) {
      if (background && this.#finishing) return
      signal?.throwIfAborted()
      const length = Math.min(STEP_BYTES, limit() - this.#hashed)
      this.#hasher ??= this.#makeHasher()
      await this.#hasher.hash(this.#hashed, length)
      this.#hashed += length
    }
  }
}
