import type { DownloadEvent, DownloadOptions } from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import { type FakeObject, FakeTransport } from '@resumable/testkit'

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
