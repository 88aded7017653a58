import type { CheckpointStore } from '@resumable/core'

/** A CheckpointStore in a Map: saves replace whole values, so a reader never sees a torn checkpoint. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #entries = new Map<string, Uint8Array>()

  /** Number of successful saves, for tests that assert how often the engine checkpoints. */
  saves = 0

  /** Returns a copy, so a caller mutating it cannot corrupt the stored checkpoint. */
  async load(key: string): Promise<Uint8Array | undefined> {
    const value = this.#entries.get(key)
    return value === undefined ? undefined : value.slice()
  }

  /** Stores a copy of `data`. */
  async save(key: string, data: Uint8Array): Promise<void> {
    this.#entries.set(key, data.slice())
    this.saves++
  }

  /** Forgets `key`. */
  async remove(key: string): Promise<void> {
    this.#entries.delete(key)
  }

  /** The keys currently stored. */
  keys(): string[] {
    return [...this.#entries.keys()]
  }
}
