import type { CheckpointStore, Target } from '../ports.ts'
import { checkpointIo } from './checkpoint-io.ts'
import { CheckpointCodec, type CheckpointIdentity } from './codec.ts'
import type { TransferState } from './transfer-state.ts'

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
    store: CheckpointStore | undefined,
    key: string,
    identity: CheckpointIdentity,
    target: Target,
    state: TransferState,
  ) {
    this.#store = store
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
