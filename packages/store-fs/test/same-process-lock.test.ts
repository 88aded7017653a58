import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import {
  createDownload,
  type DownloadHandle,
  type DownloadResult,
  download,
  TargetError,
} from '@resumable/core'
import { FileCheckpointStore, FileTarget, LOCK_SUFFIX } from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'
import { pidScope, processStart } from '../src/lock-liveness.ts'

// Two downloads to one destination in one process (a double click, two tasks of one server) are
// as exclusive as in two processes: the second is refused, and neither loses its progress.

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-same-process-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const isLocked = (e: unknown) =>
  e instanceof TargetError && e.kind === 'locked' && /in this process/.test(e.message)

/** A download of `object` to `dest` that stays in flight for a while (slow chunks). */
function slowDownload(dest: string, object: ReturnType<typeof makeObject>) {
  const transport = new FakeTransport(object)
  transport.chunkDelayMs = 5
  return createDownload({
    transport,
    target: new FileTarget(dest),
    checkpoint: new FileCheckpointStore(),
    partSize: 128 * 1024,
    concurrency: 2,
    checkpointIntervalMs: 20,
  })
}

/** Starts `handle` and waits for its first checkpoint; `running` is its run (wrapped: not awaited). */
async function startedAndSaved(
  handle: DownloadHandle,
): Promise<{ running: Promise<DownloadResult> }> {
  let saved!: () => void
  const checkpointed = new Promise<void>((resolve) => (saved = resolve))
  handle.on('checkpoint-saved', () => saved())
  const running = handle.start()
  await checkpointed
  return { running }
}

describe('a lock this process holds', () => {
  it('refuses a second download to the same destination (locked, "in this process"), and the first finishes', async () => {
    const object = makeObject(1024 * 1024, 5)
    const dest = join(root, 'twice.bin')
    const { running } = await startedAndSaved(slowDownload(dest, object))
    await assert.rejects(
      download({
        transport: new FakeTransport(object),
        target: new FileTarget(dest),
        checkpoint: new FileCheckpointStore(),
      }),
      isLocked,
    )
    const result = await running
    assert.equal(result.bytes, object.bytes.length)
    assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
    assert.deepEqual(
      readdirSync(root).filter((f) => f.startsWith('twice')),
      ['twice.bin'],
    )
  })

  it('cancel from another handle is refused while the first writes, removing neither its partial file nor its checkpoint', async () => {
    const object = makeObject(1024 * 1024, 6)
    const dest = join(root, 'cancelled-elsewhere.bin')
    const { running } = await startedAndSaved(slowDownload(dest, object))
    const other = createDownload({
      transport: new FakeTransport(object),
      target: new FileTarget(dest),
      checkpoint: new FileCheckpointStore(),
    })
    await assert.rejects(other.cancel(), isLocked)
    const left = readdirSync(root).filter((f) => f.startsWith('cancelled-elsewhere'))
    assert.ok(left.includes('cancelled-elsewhere.bin.resumable.json'), left.join(' '))
    assert.ok(left.includes('cancelled-elsewhere.bin.resumable-part'), left.join(' '))
    const result = await running
    assert.equal(result.bytes, object.bytes.length)
  })

  it('left behind by this process with no holder (a download dropped unreleased) is stale: taken at once', async () => {
    const dest = join(root, 'dropped.bin')
    const start = processStart(process.pid)
    const scope = pidScope()
    await writeFile(
      dest + LOCK_SUFFIX,
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        startedAt: 'earlier in this process',
        ...(start === undefined ? {} : { pidStart: start }),
        ...(scope === undefined ? {} : { pidScope: scope }),
        heartbeatMs: 5000,
      }),
    )
    const target = new FileTarget(dest)
    assert.deepEqual(await target.open({ size: 1, resume: false }), { resumed: false })
    await target.abort({ keep: false })
  })
})
