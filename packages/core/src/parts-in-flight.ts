import type { TransferState } from './checkpoint/transfer-state.ts'
import { PartWork, type Segment } from './part-work.ts'

/** A tail is split off only if its request needs more than this many of the run's slowest answers. */
const SPLIT_WORTH_ANSWERS = 4

/**
 * The parts of one run that are in flight, and which tail of theirs an idle worker should split
 * off. The run's slowest answer (time to first byte, connection set-up included for the first
 * requests) is what a split costs before its first byte: a tail is split only when its own
 * request needs several times that to finish, so a distant store is not sent requests that save
 * less time than they take to answer.
 */
export class PartsInFlight {
  readonly #state: TransferState
  readonly #parts = new Set<PartWork>()
  #slowestAnswerMs = 0

  constructor(state: TransferState) {
    this.#state = state
  }

  /** Starts part `index`: its first segment, from where its recorded progress ends. */
  start(index: number): Segment {
    const part = new PartWork(this.#state, index)
    this.#parts.add(part)
    return part.first
  }

  /** Part `part` is complete. */
  finished(part: PartWork): void {
    this.#parts.delete(part)
  }

  /** A response's head arrived `ms` after its request was sent. */
  answered(ms: number): void {
    this.#slowestAnswerMs = Math.max(this.#slowestAnswerMs, ms)
  }

  /**
   * A tail split off the segment with the most untaken bytes, when that pays now; `'unknown'`
   * when it cannot be told yet (that request has no rate yet); undefined when nothing in flight
   * is worth splitting, or ever will be.
   */
  split(now: number): Segment | 'unknown' | undefined {
    if (this.#parts.size === 0) return undefined
    let widest: Segment | undefined
    for (const part of this.#parts) {
      for (const segment of part.segments) {
        if (!segment.done && segment.untaken > (widest?.untaken ?? 0)) widest = segment
      }
    }
    if (widest === undefined || !PartWork.canSplit(widest)) return undefined
    const cost = SPLIT_WORTH_ANSWERS * this.#slowestAnswerMs
    const left = widest.msLeft(now)
    // Before its rate is known, only a request that has waited longer than a split costs.
    if (left === undefined) return widest.waited(now) > cost ? widest.part.split(widest) : 'unknown'
    return left > cost ? widest.part.split(widest) : undefined
  }

  /** True while a part is in flight. */
  get busy(): boolean {
    return this.#parts.size > 0
  }
}
