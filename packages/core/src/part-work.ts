import type { TransferState } from './checkpoint/transfer-state.ts'
import { crcCombine } from './crc/index.ts'
import { partRange } from './plan.ts'

/**
 * Smallest tail a worker splits off a part in flight: below it, the request it costs (and the
 * connection the part's own worker gives up) would take about as long as the bytes it saves.
 */
export const MIN_SPLIT_BYTES: number = 1024 * 1024
/** Split points fall on this boundary, so the writes on both sides stay aligned. */
const SPLIT_ALIGN = 64 * 1024

/**
 * A byte range of one part that one worker fetches: the whole part, or a tail another worker
 * split off it. `end` only ever moves down, and only past bytes nobody has taken yet.
 */
export class Segment {
  readonly part: PartWork
  /** First byte, absolute. */
  readonly start: number
  /** Last byte, absolute; lowered when another worker takes the tail. */
  end: number
  /** Bytes from `start` written to the target, and their CRC (0n when none is tracked). */
  written: number
  crc: bigint
  /** Bytes from `start` taken off the network, written or still buffered: the fetcher keeps it. */
  taken: number
  done = false
  /** When the current request was sent and its response's head arrived (`Date.now()`), and `taken` then. */
  #askedAt: number | undefined
  #answeredAt: number | undefined
  #takenThen = 0
  /**
   * Milliseconds the current response has waited on the rate limiter, and since when it waits
   * now: time the cap took, not the network, so it does not make the segment look slow.
   */
  #heldMs = 0
  #heldSince: number | undefined

  constructor(part: PartWork, start: number, end: number, written = 0, crc = 0n) {
    this.part = part
    this.start = start
    this.end = end
    this.written = written
    this.crc = crc
    this.taken = written
  }

  /** Bytes no worker has taken yet. */
  get untaken(): number {
    return this.end - (this.start + this.taken) + 1
  }

  /** A request for this segment's untaken bytes was sent at `now`. */
  asked(now: number): void {
    this.#askedAt = now
    this.#answeredAt = undefined
  }

  /** The response to it began to arrive at `now`. */
  answered(now: number): void {
    this.#answeredAt = now
    this.#takenThen = this.taken
    this.#heldMs = 0
    this.#heldSince = undefined
  }

  /** Bytes of it wait on the rate limiter from `now`. */
  holding(now: number): void {
    this.#heldSince = now
  }

  /** The rate limiter let them pass at `now`. */
  released(now: number): void {
    if (this.#heldSince === undefined) return
    this.#heldMs += now - this.#heldSince
    this.#heldSince = undefined
  }

  /**
   * Milliseconds this segment's own request needs for its untaken bytes at the rate it has been
   * receiving (Infinity when nothing came for 50 ms), or undefined before that is known: no
   * answer yet, or an answer younger than 50 ms. Time spent waiting on the rate limiter does not
   * count: under a cap every connection waits, and a tail split off then would only be fetched
   * again under the same cap while the bytes already buffered for this request are thrown away.
   */
  msLeft(now: number): number | undefined {
    const since = this.#answeredAt
    if (since === undefined) return undefined
    const held = this.#heldMs + (this.#heldSince === undefined ? 0 : now - this.#heldSince)
    const active = now - since - held
    if (active < 50) return undefined
    const received = this.taken - this.#takenThen
    return received === 0 ? Number.POSITIVE_INFINITY : (this.untaken * active) / received
  }

  /** Milliseconds the current request has waited for its answer (0 once answered). */
  waited(now: number): number {
    return this.#answeredAt === undefined && this.#askedAt !== undefined ? now - this.#askedAt : 0
  }

  /** `written` bytes from the start are written, with CRC `crc`: the part's record follows. */
  record(written: number, crc: bigint): void {
    this.written = written
    this.crc = crc
    this.part.recordPrefix()
  }

  /** Every byte of the segment is written; true when that completed its part. */
  finish(crc: bigint): boolean {
    this.written = this.end - this.start + 1
    this.crc = crc
    this.done = true
    return this.part.segmentDone()
  }
}

/**
 * One part in flight and the segments it is fetched in. The transfer state only ever hears of
 * the part's contiguous written prefix (and of the part as done once every segment is), so a
 * checkpoint names exactly the bytes it did before parts could be split: a crash loses a split
 * tail's bytes ahead of that prefix, never trusts one.
 */
export class PartWork {
  readonly index: number
  readonly segments: Segment[]
  readonly #state: TransferState

  constructor(state: TransferState, index: number) {
    this.#state = state
    this.index = index
    const { start, end } = partRange(state.plan, index)
    const prior = state.partial(index)
    this.segments = [new Segment(this, start, end, prior?.written ?? 0, prior?.crc ?? 0n)]
  }

  /** Bytes in the part. */
  get length(): number {
    const last = this.segments[this.segments.length - 1] as Segment
    return last.end - this.first.start + 1
  }

  /** The first segment: the whole part, started where its recorded progress ends. */
  get first(): Segment {
    return this.segments[0] as Segment
  }

  /** True when `segment` has enough untaken bytes to split (twice MIN_SPLIT_BYTES). */
  static canSplit(segment: Segment): boolean {
    return !segment.done && segment.untaken >= 2 * MIN_SPLIT_BYTES
  }

  /**
   * Splits off the second half of the untaken bytes of `segment` as a new segment for another
   * worker, or returns undefined when it is too short (`canSplit`).
   */
  split(segment: Segment): Segment | undefined {
    if (!PartWork.canSplit(segment)) return undefined
    const from = segment.start + segment.taken
    // At least 2 MiB untaken: rounding the midpoint down to the boundary leaves ≥ 960 KiB before it
    // and ≥ 1 MiB after it.
    const at = Math.floor((from + Math.ceil(segment.untaken / 2)) / SPLIT_ALIGN) * SPLIT_ALIGN
    const tail = new Segment(this, at, segment.end)
    segment.end = at - 1
    this.segments.splice(this.segments.indexOf(segment) + 1, 0, tail)
    return tail
  }

  /** Records the part's contiguous written prefix (segments done, then the first one not done). */
  recordPrefix(): void {
    const only = this.segments.length === 1 ? this.first : undefined
    if (only) {
      this.#state.setPartial(this.index, only.written, only.crc)
      return
    }
    let written = 0
    let crc = 0n
    let total = 0
    let joined = true
    for (const segment of this.segments) {
      total += segment.written
      if (!joined) continue
      if (segment.written > 0) {
        crc = this.#combine(crc, segment.crc, segment.written)
        written += segment.written
      }
      joined = segment.done
    }
    this.#state.setPartial(this.index, written, crc)
    this.#state.setAhead(this.index, total - written)
  }

  /** A segment finished: marks the part done when it was the last, else records the prefix. */
  segmentDone(): boolean {
    if (!this.segments.every((s) => s.done)) {
      this.recordPrefix()
      return false
    }
    let crc = 0n
    for (const segment of this.segments) {
      crc = this.#combine(crc, segment.crc, segment.end - segment.start + 1)
    }
    this.#state.markDone(this.index, crc)
    return true
  }

  #combine(crc: bigint, next: bigint, length: number): bigint {
    const algorithm = this.#state.algorithm
    // crc(A‖B) = crc(A)·x^(8·|B|) ⊕ crc(B): an empty (or zero) prefix leaves crc(B) as it is.
    if (algorithm === undefined) return 0n
    return crc === 0n ? next : crcCombine(algorithm, crc, next, length)
  }
}
