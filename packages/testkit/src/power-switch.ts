import type { CheckpointStore, Target } from '@resumable/core'

/**
 * Forwards to a Target or CheckpointStore until `pull()`, then fails every call: a process killed
 * mid-run (nothing it does after the kill reaches the disk). Pair it with a volume crash to also
 * lose unsynced writes.
 */
export class PowerSwitch {
  /** False once pulled. */
  on = true

  /** Kills the "process"; `crash` (e.g. `volume.crash()`) then drops what the disk had not synced. */
  pull(crash?: () => void): void {
    this.on = false
    crash?.()
  }

  #guard<T>(call: () => Promise<T>): Promise<T> {
    return this.on ? call() : Promise.reject(new Error('process is dead'))
  }

  /** `inner`, until the power is pulled. */
  target(inner: Target): Target {
    return {
      id: inner.id,
      open: (o) => this.#guard(() => inner.open(o)),
      write: (o, d) => this.#guard(() => inner.write(o, d)),
      read: (o, l) => this.#guard(() => inner.read(o, l)),
      sync: () => this.#guard(() => inner.sync()),
      commit: (o) => this.#guard(() => inner.commit(o)),
      abort: (o) => this.#guard(() => inner.abort(o)),
    }
  }

  /** `inner`, until the power is pulled. */
  store(inner: CheckpointStore): CheckpointStore {
    return {
      load: (k) => this.#guard(() => inner.load(k)),
      save: (k, d) => this.#guard(() => inner.save(k, d)),
      remove: (k) => this.#guard(() => inner.remove(k)),
    }
  }
}
