import assert from 'node:assert/strict'
import {
  type CheckpointStore,
  createDownload,
  type DownloadEvent,
  download,
  type Transport,
} from '@resumable/core'
import { MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import type { ContractCase } from './contract-case.ts'
import { FAST_DOWNLOAD, SUITE_OBJECT_SIZE } from './download-settings.ts'
import { FakeTransport, makeObject } from './fake-transport.ts'
import { killAndResume } from './target-download-contract.ts'

/** A CheckpointStore under test: `make` opens it (call again to simulate a new process). */
export interface StoreUnderTest {
  readonly make: () => CheckpointStore
  /** The checkpoint key (and destination name) the cases use, e.g. a path in a temp directory. @default 'dest.bin' */
  readonly key?: string
}

/**
 * The cases every CheckpointStore must pass when the real engine keeps its checkpoints in it: a
 * finished download leaves none, a killed run resumes from what it saved, a corrupt checkpoint is
 * discarded rather than trusted, and cancel removes it.
 */
export function storeDownloadContract(
  setup: () => StoreUnderTest | Promise<StoreUnderTest>,
): ContractCase[] {
  return [
    {
      name: 'the engine saves checkpoints into the store during a download and removes them at the end',
      async run() {
        const s = await setup()
        const KEY = s.key ?? 'dest.bin'
        const object = makeObject(SUITE_OBJECT_SIZE, 30)
        const inner = new FakeTransport(object)
        inner.chunkDelayMs = 1
        const events: DownloadEvent[] = []
        const savedSome = (): boolean =>
          events.some((e) => e.type === 'checkpoint-saved' && e.durableBytes > 0)
        // The last part waits for a save that names bytes: on a loaded machine a save can outlast
        // the whole download, and the case is about saving during one, not about the disk's speed.
        const transport: Transport = {
          id: inner.id,
          stat: () => inner.stat(),
          async read(request) {
            if (request.end === object.bytes.length - 1) {
              for (let waited = 0; waited < 60_000 && !savedSome(); waited += 10) {
                await new Promise((resolve) => setTimeout(resolve, 10))
              }
            }
            return inner.read(request)
          },
        }
        const target = new MemoryTarget(KEY)
        await download({
          ...FAST_DOWNLOAD,
          stallTimeoutMs: 90_000,
          transport,
          target,
          checkpoint: s.make(),
          onEvent: (e) => events.push(e),
        })
        assert.deepEqual(target.committed, object.bytes)
        assert.ok(events.some((e) => e.type === 'checkpoint-saved' && e.durableBytes > 0))
        assert.equal(await s.make().load(KEY), undefined)
      },
    },
    {
      name: 'a run killed after a checkpoint resumes from the store in a new process and commits byte-identical',
      async run() {
        const s = await setup()
        const KEY = s.key ?? 'dest.bin'
        const volume = new MemoryVolume()
        const { object, result } = await killAndResume(
          {
            make: () => new MemoryTarget(KEY, { volume }),
            committed: async () => volume.file(KEY),
            crash: () => volume.crash(),
          },
          () => s.make(),
        )
        assert.ok(result.resumedBytes > 0, 'the saved checkpoint was not used')
        assert.deepEqual(volume.file(KEY), object.bytes)
        assert.equal(await s.make().load(KEY), undefined)
      },
    },
    {
      name: 'a corrupt checkpoint in the store is discarded as corrupt, never trusted',
      async run() {
        const s = await setup()
        const KEY = s.key ?? 'dest.bin'
        const object = makeObject(SUITE_OBJECT_SIZE, 31)
        // Damaged as a checkpoint is (its CRC no longer holds): it still begins as one does, so
        // no store takes it for a file of someone else's (`CheckpointStore.foreignFile`).
        const damaged = `{"format":"resumable-checkpoint","version":1,"crc64":"0000000000000000","body":{"not":"a checkpoint at all"}}\n`
        await s.make().save(KEY, new TextEncoder().encode(damaged))
        const events: DownloadEvent[] = []
        const target = new MemoryTarget(KEY)
        const result = await download({
          ...FAST_DOWNLOAD,
          transport: new FakeTransport(object),
          target,
          checkpoint: s.make(),
          onEvent: (e) => events.push(e),
        })
        assert.deepEqual(target.committed, object.bytes)
        assert.equal(result.resumedBytes, 0)
        assert.ok(events.some((e) => e.type === 'checkpoint-discarded' && e.problem === 'corrupt'))
      },
    },
    {
      name: 'cancel removes the checkpoint from the store',
      async run() {
        const s = await setup()
        const KEY = s.key ?? 'dest.bin'
        const transport = new FakeTransport(makeObject(SUITE_OBJECT_SIZE, 32))
        transport.chunkDelayMs = 1
        const handle = createDownload({
          ...FAST_DOWNLOAD,
          concurrency: 1,
          transport,
          target: new MemoryTarget(KEY),
          checkpoint: s.make(),
        })
        handle.on('part-done', () => handle.pause())
        await assert.rejects(handle.start())
        assert.notEqual(await s.make().load(KEY), undefined, 'a pause keeps the checkpoint')
        await handle.cancel()
        assert.equal(await s.make().load(KEY), undefined)
      },
    },
  ]
}
