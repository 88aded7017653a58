import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { FileCheckpointStore } from '@resumable/store-fs'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-cp-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('FileCheckpointStore', () => {
  it('keeps the checkpoint next to the destination, mode 0600, and round-trips it', async () => {
    const store = new FileCheckpointStore()
    const key = join(root, 'video.mp4')
    assert.equal(await store.load(key), undefined)
    await store.save(key, new Uint8Array([1, 2, 3]))
    assert.equal(store.pathFor(key), `${key}.resumable.json`)
    assert.deepEqual(await store.load(key), new Uint8Array([1, 2, 3]))
    assert.equal((await stat(store.pathFor(key))).mode & 0o777, 0o600)
  })

  it('replaces atomically and leaves no temporary files behind', async () => {
    const store = new FileCheckpointStore()
    const key = join(root, 'atomic.bin')
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.save(key, new Uint8Array(1000).fill(i))),
    )
    const loaded = (await store.load(key)) as Uint8Array
    assert.equal(loaded.length, 1000)
    assert.ok(
      loaded.every((b) => b === loaded[0]),
      'one whole save, never a mix',
    )
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.endsWith('.tmp')),
      [],
    )
  })

  it('removes idempotently', async () => {
    const store = new FileCheckpointStore()
    const key = join(root, 'gone.bin')
    await store.save(key, new Uint8Array([1]))
    await store.remove(key)
    await store.remove(key)
    assert.equal(await store.load(key), undefined)
  })

  it('clears the temporary copy a save killed before its rename left (on the next save and on remove)', async () => {
    const store = new FileCheckpointStore()
    const key = join(root, 'killed.bin')
    const stale = join(root, '.killed.bin.resumable.json.tmp')
    await writeFile(stale, 'half a checkpoint')
    await store.save(key, new Uint8Array([1]))
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.startsWith('.killed')),
      [],
    )
    await writeFile(stale, 'half a checkpoint')
    await store.remove(key)
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.startsWith('.killed') || n.startsWith('killed')),
      [],
    )
  })

  it('in a chosen directory, derives distinct safe names from keys', async () => {
    const store = new FileCheckpointStore({ dir: join(root, 'checkpoints') })
    const a = store.pathFor('/data/a b/été.bin')
    const b = store.pathFor('/other/a b/été.bin')
    assert.notEqual(a, b)
    assert.match(a, /checkpoints\/[\w.-]+\.resumable\.json$/)
    await store.save('/data/a b/été.bin', new Uint8Array([7]))
    assert.deepEqual(await store.load('/data/a b/été.bin'), new Uint8Array([7]))
    assert.equal(await store.load('/other/a b/été.bin'), undefined)
  })

  it('uses one explicit file when asked', async () => {
    const file = join(root, 'explicit.json')
    const store = new FileCheckpointStore({ file })
    await store.save('/any/key', new Uint8Array([5]))
    assert.equal(store.pathFor('/different'), file)
    assert.deepEqual(await store.load('/any/key'), new Uint8Array([5]))
  })
})

describe('FileCheckpointStore.foreignFile (bytes that do not decode)', () => {
  it("calls a user's file with no partial file beside it foreign, naming it (TargetError exists, no remedies)", async () => {
    const store = new FileCheckpointStore()
    const key = join(root, 'notes-beside.iso')
    const error = await store.foreignFile(key, new TextEncoder().encode('{"my":"notes"}'))
    assert.equal(error?.kind, 'exists')
    assert.equal(error?.path, `${key}.resumable.json`)
    assert.deepEqual(error?.remedies, [])
    assert.match(String(error?.message), /move it away, or choose another destination/)
  })

  it('takes the same bytes for a damaged checkpoint when the partial file is beside them', async () => {
    const store = new FileCheckpointStore()
    const key = join(root, 'damaged-beside.iso')
    await writeFile(`${key}.resumable-part`, 'partial bytes')
    assert.equal(
      await store.foreignFile(key, new TextEncoder().encode('{"my":"notes"}')),
      undefined,
    )
  })

  it("takes a checkpoint's whole fixed header, damaged after it, for its own without a partial file", async () => {
    const store = new FileCheckpointStore()
    const head = '{"format":"resumable-checkpoint","version":1,"crc64":"0000000000000000","body":{'
    const key = join(root, 'header-only.iso')
    assert.equal(
      await store.foreignFile(key, new TextEncoder().encode(`${head}garbage`)),
      undefined,
    )
  })
})
