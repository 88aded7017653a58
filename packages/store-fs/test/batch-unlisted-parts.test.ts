import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { AbortedError, createDownload, type Transport } from '@resumable/core'
import {
  batchFileName,
  CHECKPOINT_SUFFIX,
  FileBatchStaging,
  FileCheckpointStore,
  FileTarget,
  fileBatchObject,
  LOCK_SUFFIX,
  TEMP_SUFFIX,
} from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'

let root = ''
before(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'store-fs-unlisted-')))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const lockOf = (pid: number) => JSON.stringify({ pid, host: hostname(), startedAt: 'earlier' })
const deadPid = (): number =>
  Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString(),
  )
/** The batch's objects' source, as the record names it (nothing is fetched here). */
const BATCH_SOURCE = { id: 'mem://batch' } as Transport
const sidecars = (name: string) => [
  `${name}${TEMP_SUFFIX}`,
  `${name}${CHECKPOINT_SUFFIX}`,
  `${name}${LOCK_SUFFIX}`,
]

/** Opens `name`'s parts Target through fileBatchObject under `staging`, writes, and pauses it (as a stop does). */
async function paused(staging: FileBatchStaging, name: string, at = root): Promise<void> {
  const io = await fileBatchObject(at, name.split('/'), BATCH_SOURCE, {
    staging,
    rootIsReal: true,
  })
  const target = io.target({ overwrite: false })
  // As the engine opens it: an earlier run's checkpoint found (and not resumed) is said.
  const found = io.checkpoint ? (await io.checkpoint.load(target.id)) !== undefined : false
  await target.open({ size: 8, resume: false, ...(found ? { checkpointDiscarded: true } : {}) })
  await target.write(0, new Uint8Array([1, 2, 3, 4]))
  await target.sync()
  await target.abort({ keep: true })
  if (io.checkpoint) await io.checkpoint.save(target.id, new Uint8Array([9]))
}

describe('FileBatchStaging.removeUnlisted', () => {
  it('judges an object by its key’s path, not by the real path its file took through a symlinked directory inside the root', async () => {
    const dest = join(root, 'through-a-link')
    await mkdir(join(dest, 'real'), { recursive: true })
    await symlink('real', join(dest, 'link'), 'dir')
    const run = await FileBatchStaging.open(dest, { batch: 'linked' })
    await paused(run, 'link/x.bin', dest)
    await run.close()
    const state = sidecars(join(dest, 'real', 'x.bin')).slice(0, 2)
    for (const file of state) assert.ok(existsSync(file), `${file} made`)
    const listed = await FileBatchStaging.open(dest, { batch: 'linked' })
    assert.deepEqual(await listed.removeUnlisted((path) => path === 'link/x.bin'), [])
    await listed.close()
    for (const file of state) assert.ok(existsSync(file), `${file} kept: its key is listed`)
    const gone = await FileBatchStaging.open(dest, { batch: 'linked' })
    assert.deepEqual(await gone.removeUnlisted(() => false), ['link/x.bin'])
    await gone.close()
    for (const file of state) assert.equal(existsSync(file), false, `${file} removed`)
  })

  it("removes the state of this batch's unlisted objects only: not a listed one's, a live lock's, another batch's, or a user's look-alike", async () => {
    const first = await FileBatchStaging.open(root, { batch: 'mine' })
    for (const name of ['gone.bin', 'listed.bin', 'held.bin', 'shared.bin'])
      await paused(first, name)
    await first.close()
    const other = await FileBatchStaging.open(root, { batch: 'theirs' })
    await paused(other, 'theirs.bin')
    // Another batch whose key maps to a path of this one's: what is there may be its state now.
    await paused(other, 'shared.bin')
    await other.close()
    // A killed run's dead lock beside gone.bin; a live process's lock beside held.bin.
    await writeFile(join(root, `gone.bin${LOCK_SUFFIX}`), lockOf(deadPid()))
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
    try {
      await writeFile(join(root, `held.bin${LOCK_SUFFIX}`), lockOf(live.pid as number))
      const user = ['user.bin.resumable-part', 'gone.bin.resumable-part.old', 'gone.bin']
      for (const name of user) await writeFile(join(root, name), 'the user’s')
      const rerun = await FileBatchStaging.open(root, { batch: 'mine' })
      const removed = await rerun.removeUnlisted((path) => path === 'listed.bin')
      await rerun.close()
      assert.deepEqual(removed, ['gone.bin'])
      for (const name of sidecars('gone.bin'))
        assert.equal(existsSync(join(root, name)), false, `${name} removed`)
      for (const name of [
        `listed.bin${TEMP_SUFFIX}`,
        `listed.bin${CHECKPOINT_SUFFIX}`,
        `held.bin${TEMP_SUFFIX}`,
        `held.bin${LOCK_SUFFIX}`,
        `theirs.bin${TEMP_SUFFIX}`,
        `theirs.bin${CHECKPOINT_SUFFIX}`,
        `shared.bin${TEMP_SUFFIX}`,
        `shared.bin${CHECKPOINT_SUFFIX}`,
      ])
        assert.ok(existsSync(join(root, name)), `${name} kept`)
      for (const name of user)
        assert.equal(await readFile(join(root, name), 'utf8'), 'the user’s', `${name} untouched`)
      // The record still names what is left of this batch's and the other's.
      const record = await readFile(join(root, batchFileName('parts')), 'utf8')
      assert.deepEqual(record.trim().split('\n').sort(), [
        '["mine","held.bin","held.bin","mem://batch"]',
        '["mine","listed.bin","listed.bin","mem://batch"]',
        '["mine","shared.bin","shared.bin","mem://batch"]',
        '["theirs","shared.bin","shared.bin","mem://batch"]',
        '["theirs","theirs.bin","theirs.bin","mem://batch"]',
      ])
    } finally {
      live.kill('SIGKILL')
    }
  })

  it('keeps state a single download took over since (its checkpoint names another source), and state another shard’s record names', async () => {
    const dest = join(root, 'taken-over')
    await mkdir(dest)
    const first = await FileBatchStaging.open(dest, { batch: 'mine' })
    await paused(first, 'single.bin', dest)
    await paused(first, 'sharded.bin', dest)
    await first.close()
    // A single `get` of another source into single.bin, paused after its first checkpoint.
    const object = makeObject(4 * 1024 * 1024, 7)
    const transport = new FakeTransport(object)
    transport.fault = ({ start }) =>
      start >= 1024 * 1024 ? { type: 'delay-headers', ms: 5000 } : undefined
    const single = createDownload({
      transport,
      target: new FileTarget(join(dest, 'single.bin'), { overwrite: true }),
      checkpoint: new FileCheckpointStore(),
      partSize: 1024 * 1024,
      concurrency: 1,
      checkpointIntervalMs: 1,
    })
    single.on('checkpoint-saved', () => single.pause())
    await assert.rejects(single.start(), AbortedError)
    // Another shard of another split, into the same directory, started sharded.bin since.
    const shard = await FileBatchStaging.open(dest, {
      batch: 'theirs',
      shard: { index: 0, count: 2 },
    })
    await paused(shard, 'sharded.bin', dest)
    await shard.close()
    const rerun = await FileBatchStaging.open(dest, { batch: 'mine' })
    assert.deepEqual(await rerun.removeUnlisted(() => false), [])
    await rerun.close()
    for (const name of ['single.bin', 'sharded.bin'])
      for (const file of sidecars(name).slice(0, 2))
        assert.ok(existsSync(join(dest, file)), `${file} kept`)
  })
})
