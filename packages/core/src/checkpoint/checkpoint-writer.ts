import type { CheckpointStore, Target } from '../ports.ts'
import { checkpointIo } from './checkpoint-io.ts'
import { CheckpointCodec, type CheckpointIdentity } from './codec.ts'
import type { TransferState } from './transfer-state.ts'

/**
 * Core's own mark on a CheckpointStore that turned out to hold nothing for this download (a
 * batch object listed without a size whose first answer showed it fits in one request): the
 * writer then treats the run as one without a store. Not part of the CheckpointStore port.
 */
export const HOLDS_NOTHING: unique symbol = Symbol('resumable.checkpointHoldsNothing')

/** A CheckpointStore that may say, once the download has begun, that it will keep nothing. */
export type MaybeEmptyCheckpointStore = CheckpointStore & {
  readonly [HOLDS_NOTHING]?: () => boolean
}

/**
 * Group commit: snapshots progress, makes the target durable, then saves the snapshot, so a
 * checkpoint never names a byte that a crash could lose. Saves never overlap.
 */
export class CheckpointWriter {
  readonly #store: CheckpointStore | undefined
  readonly #key: string
  readonly #identity: CheckpointIdentity
  readonly #target: Target
  readonly #state: TransferState
  #chain: Promise<number> = Promise.resolve(0)
  #durableBytes: number

  constructor(
    store: MaybeEmptyCheckpointStore | undefined,
    key: string,
    identity: CheckpointIdentity,
    target: Target,
    state: TransferState,
  ) {
    // Asked once: the engine builds the writer after the checkpoint's load, when the store knows.
    this.#store = store?.[HOLDS_NOTHING]?.() === true ? undefined : store
    this.#key = key
    this.#identity = identity
    this.#target = target
    this.#state = state
    this.#durableBytes = state.bytesDone
  }

  /** True when there is a store to save to: without one, `persist` has nothing to do. */
  get saves(): boolean {
    return this.#store !== undefined
  }

  /** Bytes named by the last saved checkpoint. */
  get durableBytes(): number {
    return this.#durableBytes
  }

  /** Syncs and saves; resolves with the durable byte count. Queued behind any save in progress. */
  persist(): Promise<number> {
    const next = this.#chain.then(
      () => this.#persistNow(),
      () => this.#persistNow(),
    )
    this.#chain = next
    return next
  }

  async #persistNow(): Promise<number> {
    if (!this.#store) return this.#durableBytes
    // The snapshot is taken before sync: every write it counts had resolved, so sync covers it.
    const snapshot = this.#state.clone()
    await this.#target.sync()
    const bytes = CheckpointCodec.encode({
      identity: this.#identity,
      state: snapshot,
      savedAt: Date.now(),
    })
    const store = this.#store
    await checkpointIo(`save the checkpoint ${this.#key}`, () => store.save(this.#key, bytes))
    this.#durableBytes = snapshot.bytesDone
    return this.#durableBytes
  }
}
