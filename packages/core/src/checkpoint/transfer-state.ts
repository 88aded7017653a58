import type { ChecksumAlgorithm } from '../crc/algorithm.ts'
import { type PartPlan, partRange } from '../plan.ts'

/** Progress inside a part that is not complete: bytes written from its start and their CRC. */
export interface PartialPart {
  /** Part index. */
  readonly index: number
  /** Bytes of the part already written, counted from the part's start. */
  readonly written: number
  /** CRC of those bytes (0n when no checksum is tracked). */
  readonly crc: bigint
}

/** Which parts are done, their CRCs, and how far unfinished parts got. The engine's single source of truth. */
export class TransferState {
  /** The split of the object. */
  readonly plan: PartPlan
  /** The CRC tracked per part, when the store publishes one to check against. */
  readonly algorithm: ChecksumAlgorithm | undefined
  /** One bit per part, set when the part's bytes are all written. */
  readonly done: Uint8Array
  /** CRC of each done part. */
  readonly crcs: BigUint64Array
  readonly #partial = new Map<number, PartialPart>()
  /** Bytes written in split-off tails of parts, ahead of each part's contiguous prefix. */
  readonly #ahead = new Map<number, number>()
  #doneCount = 0
  #doneBytes = 0

  constructor(plan: PartPlan, algorithm: ChecksumAlgorithm | undefined) {
    this.plan = plan
    this.algorithm = algorithm
    this.done = new Uint8Array(Math.ceil(plan.partCount / 8))
    this.crcs = new BigUint64Array(plan.partCount)
  }

  /** Parts complete. */
  get doneCount(): number {
    return this.#doneCount
  }

  /** Bytes written: complete parts plus the written prefixes of partial ones. */
  get bytesDone(): number {
    let bytes = this.#doneBytes
    for (const p of this.#partial.values()) bytes += p.written
    return bytes
  }

  /**
   * Bytes written so far, for progress: `bytesDone` plus the bytes of split-off tails that are
   * written but not yet joined to their part's prefix (no checkpoint names those).
   */
  get bytesWritten(): number {
    let bytes = this.bytesDone
    for (const ahead of this.#ahead.values()) bytes += ahead
    return bytes
  }

  /** Records the bytes written in part `index` beyond its contiguous prefix. */
  setAhead(index: number, bytes: number): void {
    if (bytes === 0) this.#ahead.delete(index)
    else this.#ahead.set(index, bytes)
  }

  /** True when part `index` is complete. */
  isDone(index: number): boolean {
    return ((this.done[index >> 3] ?? 0) & (1 << (index & 7))) !== 0
  }

  /** The recorded progress of an unfinished part. */
  partial(index: number): PartialPart | undefined {
    return this.#partial.get(index)
  }

  /** Every unfinished part with progress. */
  partials(): PartialPart[] {
    return [...this.#partial.values()].sort((a, b) => a.index - b.index)
  }

  /** Records that `written` bytes of part `index` are written, with their CRC. */
  setPartial(index: number, written: number, crc: bigint): void {
    if (written === 0) this.#partial.delete(index)
    else this.#partial.set(index, { index, written, crc })
  }

  /** Records part `index` as complete with CRC `crc`. */
  markDone(index: number, crc: bigint): void {
    if (this.isDone(index)) return
    this.#partial.delete(index)
    this.#ahead.delete(index)
    this.done[index >> 3] = (this.done[index >> 3] ?? 0) | (1 << (index & 7))
    this.crcs[index] = crc
    this.#doneCount++
    const { start, end } = partRange(this.plan, index)
    this.#doneBytes += end - start + 1
  }

  /** Forgets part `index` (its bytes proved bad), so it is fetched again. */
  forget(index: number): void {
    this.#partial.delete(index)
    if (!this.isDone(index)) return
    this.done[index >> 3] = (this.done[index >> 3] ?? 0) & ~(1 << (index & 7))
    this.crcs[index] = 0n
    this.#doneCount--
    const { start, end } = partRange(this.plan, index)
    this.#doneBytes -= end - start + 1
  }

  /**
   * Forgets every part that does not lie wholly within the first `length` bytes of the temporary
   * place (done parts past its end, partial parts whose written bytes are), so they are fetched
   * again: a partial file shorter than the checkpoint says lost them. Returns their indices.
   * Costs no read.
   */
  forgetBeyond(length: number): number[] {
    const lost = new Set<number>()
    for (const p of this.partials()) {
      if (partRange(this.plan, p.index).start + p.written > length) lost.add(p.index)
    }
    for (let i = 0; i < this.plan.partCount; i++) {
      if (this.isDone(i) && partRange(this.plan, i).end + 1 > length) lost.add(i)
    }
    for (const index of lost) this.forget(index)
    return [...lost].sort((a, b) => a - b)
  }

  /** True when every part is complete. */
  get complete(): boolean {
    return this.#doneCount === this.plan.partCount
  }

  /** An independent copy, so a checkpoint can be encoded while parts keep moving. */
  clone(): TransferState {
    const copy = new TransferState(this.plan, this.algorithm)
    copy.done.set(this.done)
    copy.crcs.set(this.crcs)
    copy.#doneCount = this.#doneCount
    copy.#doneBytes = this.#doneBytes
    for (const [i, p] of this.#partial) copy.#partial.set(i, p)
    return copy
  }
}
