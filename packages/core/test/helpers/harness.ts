import type { CheckpointStore, DownloadEvent, DownloadOptions, Target } from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import { type FakeObject, FakeTransport } from '@resumable/testkit'

/** Forwards to a Target or CheckpointStore until `pull()`, then fails every call: a process "killed" mid-run. */
export class PowerSwitch {
  on = true
  pull(volume: MemoryVolume): void {
    this.on = false
    volume.crash()
  }
  /** Runs `call` only while the power is on. */
  #guard<T>(call: () => Promise<T>): Promise<T> {
    return this.on ? call() : Promise.reject(new Error('process is dead'))
  }
  target(inner: Target): Target {
    return {
      id: inner.id,
      open: (o) => this.#guard(() => inner.open(o)),
      write: (o, d) => this.#guard(() => inner.write(o, d)),
      read: (o, l) => this.#guard(() => inner.read(o, l)),
      sync: () => this.#guard(() => inner.sync()),
      commit: () => this.#guard(() => inner.commit()),
      abort: (o) => this.#guard(() => inner.abort(o)),
    }
  }
  store(inner: CheckpointStore): CheckpointStore {
    return {
      load: (k) => this.#guard(() => inner.load(k)),
      save: (k, d) => this.#guard(() => inner.save(k, d)),
      remove: (k) => this.#guard(() => inner.remove(k)),
    }
  }
}

/** A transport, a memory target and store, and quick defaults for engine tests. */
export function setup(object: FakeObject) {
  const volume = new MemoryVolume()
  const transport = new FakeTransport(object)
  const store = new MemoryCheckpointStore()
  const events: DownloadEvent[] = []
  const target = new MemoryTarget('/dest/file.bin', { volume })
  const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
    transport,
    target,
    checkpoint: store,
    partSize: 100 * 1024,
    concurrency: 4,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    checkpointIntervalMs: 5,
    writeBufferSize: 32 * 1024,
    onEvent: (e) => events.push(e),
    ...extra,
  })
  return { volume, transport, store, events, target, options }
}
