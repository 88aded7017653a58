import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import {
  BATCH_JOURNAL_VERSION,
  BatchJournalCodec,
  crc64,
  downloadMany,
  KeyRefusedError,
  type ListedObject,
  OptionsError,
  type ReadRequest,
  TargetError,
  type Transport,
  TransportError,
} from '@resumable/core'
import {
  BATCH_JOURNAL_NAME,
  FileBatchJournalStore,
  FileCheckpointStore,
  FileTarget,
  fileBatchObject,
  LOCK_SUFFIX,
  MAX_DESTINATION_NAME_BYTES,
  resolveInside,
} from '@resumable/store-fs'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-batch-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const encoder = new TextEncoder()

function asyncBody(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  return (async function* () {
    yield bytes
  })()
}

/** A transport over bytes kept in a Map, counting requests per key. */
function bucket(objects: Map<string, Uint8Array>, requests: Map<string, number>) {
  return (key: string): Transport => ({
    id: `fake://b/${key}`,
    async stat() {
      requests.set(key, (requests.get(key) ?? 0) + 1)
      const bytes = objects.get(key)
      if (!bytes) throw new TransportError('not-found', 'gone', { status: 404, code: 'NoSuchKey' })
      return {
        size: bytes.length,
        etag: `"${key.length}"`,
        checksum: { algorithm: 'crc64xz', value: crc64('crc64xz', bytes) },
      }
    },
    async read(request: ReadRequest) {
      requests.set(key, (requests.get(key) ?? 0) + 1)
      const bytes = (objects.get(key) as Uint8Array).slice(request.start, request.end + 1)
      return { range: { start: request.start, end: request.end }, body: asyncBody(bytes) }
    },
  })
}

describe('FileBatchJournalStore', () => {
  it("a shard's journal has its own name; loadNeighbours reads every other batch's and shard's journal in the directory, not its own, a temporary copy or a look-alike", async () => {
    const dir = await mkdtemp(join(root, 'jn-'))
    const shard = FileBatchJournalStore.in(dir, { index: 1, count: 4 })
    assert.equal(shard.path, join(dir, '.resumable-batch.shard-1-of-4.journal'))
    await shard.save(encoder.encode('own\n'))
    await FileBatchJournalStore.in(dir).save(encoder.encode('whole\n'))
    await FileBatchJournalStore.in(dir, { index: 0, count: 4 }).save(encoder.encode('zero\n'))
    for (const name of [
      '.resumable-batch.shard-1-of-4.journal.tmp',
      '.resumable-batch.shard-4-of-4.journal',
      '.resumable-batch.shard-x-of-4.journal',
      'resumable-batch.journal',
    ])
      await writeFile(join(dir, name), 'not a neighbour\n')
    const read = (await shard.loadNeighbours()).map((b) => new TextDecoder().decode(b)).sort()
    assert.deepEqual(read, ['whole\n', 'zero\n'])
  })

  it('a directory or path that is not a string is an OptionsError naming the argument, on every runtime', () => {
    const untyped = (value: unknown) => value as string
    assert.throws(
      () => FileBatchJournalStore.in(untyped(undefined)),
      (error: unknown) => error instanceof OptionsError && error.option === 'destDir',
    )
    assert.throws(
      () => new FileBatchJournalStore(untyped(42)),
      (error: unknown) => error instanceof OptionsError && error.option === 'path',
    )
  })

  it('appends, loads, replaces atomically and removes, with mode 0600', async () => {
    const dir = await mkdtemp(join(root, 'j-'))
    const store = FileBatchJournalStore.in(dir)
    assert.equal(store.path, join(dir, BATCH_JOURNAL_NAME))
    assert.equal(await store.load(), undefined)
    await store.save(encoder.encode('a\n'))
    await store.append(encoder.encode('b\n'))
    await store.append(encoder.encode('c\n'))
    assert.equal(new TextDecoder().decode(await store.load()), 'a\nb\nc\n')
    await store.save(encoder.encode('x\n'))
    assert.equal(new TextDecoder().decode(await store.load()), 'x\n')
    assert.deepEqual((await readdir(dir)).sort(), [BATCH_JOURNAL_NAME], 'no temporary file left')
    if (process.platform !== 'win32') {
      const { stat } = await import('node:fs/promises')
      assert.equal((await stat(store.path)).mode & 0o777, 0o600)
    }
    await store.remove()
    await store.remove()
    assert.equal(existsSync(store.path), false)
  })

  it('a save killed before its rename leaves one reserved name, which the next save replaces and remove() deletes', async () => {
    const dir = await mkdtemp(join(root, 'j-'))
    const store = FileBatchJournalStore.in(dir)
    const leftover = `${store.path}.tmp`
    // What a process killed between writing the temporary file and renaming it leaves behind.
    await writeFile(leftover, 'half a journal')
    await store.save(encoder.encode('a\n'))
    assert.equal(new TextDecoder().decode(await store.load()), 'a\n')
    assert.deepEqual((await readdir(dir)).sort(), [BATCH_JOURNAL_NAME], 'the leftover is gone')
    await writeFile(leftover, 'half a journal')
    await store.remove()
    assert.deepEqual(await readdir(dir), [], 'remove() takes the leftover too')
  })

  it('never writes through a symlink planted at the temporary name', async () => {
    const dir = await mkdtemp(join(root, 'j-'))
    const outside = join(await mkdtemp(join(root, 'outside-')), 'victim')
    await writeFile(outside, 'keep me')
    const store = FileBatchJournalStore.in(dir)
    await symlink(outside, `${store.path}.tmp`)
    await store.save(encoder.encode('a\n'))
    assert.equal(await readFile(outside, 'utf8'), 'keep me')
    assert.equal(new TextDecoder().decode(await store.load()), 'a\n')
    assert.deepEqual(await readdir(dir), [BATCH_JOURNAL_NAME])
  })
})

describe('resolveInside', () => {
  it('creates the directories of a nested key under the root', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    const path = await resolveInside(dest, ['a', 'b', 'c.txt'])
    assert.equal(path, join(dest, 'a', 'b', 'c.txt'))
    assert.ok(existsSync(join(dest, 'a', 'b')))
  })

  it('refuses a key through a symlinked directory that points outside, and writes nothing there', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    const outside = await mkdtemp(join(root, 'outside-'))
    await symlink(outside, join(dest, 'link'))
    await assert.rejects(
      resolveInside(dest, ['link', 'sub', 'x.txt'], { key: 'p/link/sub/x.txt' }),
      (e: unknown) => e instanceof KeyRefusedError && e.reason === 'escapes-destination',
    )
    assert.deepEqual(await readdir(outside), [], 'no directory created outside')
  })

  it('a file where a directory of the key must go is not-a-directory, with no remedy, and is left alone', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    await writeFile(join(dest, 'sub'), 'a file')
    const sub = join(await realpath(dest), 'sub')
    await assert.rejects(
      resolveInside(dest, ['sub', 'x.txt']),
      (e: unknown) =>
        e instanceof TargetError &&
        e.kind === 'not-a-directory' &&
        e.remedies === undefined &&
        e.path === sub,
    )
    assert.equal(await readFile(join(dest, 'sub'), 'utf8'), 'a file')
  })

  it('follows a symlink that stays inside the destination, and refuses a final-name symlink to outside', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    await mkdir(join(dest, 'real'))
    await symlink(join(dest, 'real'), join(dest, 'alias'))
    assert.equal(await resolveInside(dest, ['alias', 'f']), join(dest, 'real', 'f'))
    const outsideFile = join(await mkdtemp(join(root, 'outside-')), 'victim')
    await writeFile(outsideFile, 'keep')
    await symlink(outsideFile, join(dest, 'trap'))
    await assert.rejects(resolveInside(dest, ['trap']), KeyRefusedError)
  })

  it('with provenDirectories, records each directory it proved (by path, to its real path) and resolves a later key under them to the same place', async () => {
    const dest = await realpath(await mkdtemp(join(root, 'd-')))
    await mkdir(join(dest, 'real'))
    await symlink(join(dest, 'real'), join(dest, 'alias'))
    const provenDirectories = new Map<string, string>()
    const first = await resolveInside(dest, ['alias', 'logs', 'a.txt'], { provenDirectories })
    assert.equal(first, join(dest, 'real', 'logs', 'a.txt'))
    assert.deepEqual(Object.fromEntries(provenDirectories), {
      [join(dest, 'alias')]: join(dest, 'real'),
      [join(dest, 'real', 'logs')]: join(dest, 'real', 'logs'),
    })
    const second = await resolveInside(dest, ['alias', 'logs', 'b.txt'], { provenDirectories })
    assert.equal(second, join(dest, 'real', 'logs', 'b.txt'))
    assert.equal(provenDirectories.size, 2, 'nothing new to prove')
    // A directory this map has not proved is still checked: a symlink to outside is refused.
    const outside = await mkdtemp(join(root, 'outside-'))
    await symlink(outside, join(dest, 'out'))
    await assert.rejects(
      resolveInside(dest, ['out', 'x.txt'], { provenDirectories }),
      (e: unknown) => e instanceof KeyRefusedError && e.reason === 'escapes-destination',
    )
    assert.equal(provenDirectories.has(join(dest, 'out')), false)
  })

  it('refuses names it writes itself, so no key can truncate another’s temporary file or the journal', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    for (const name of [
      'x.resumable-part',
      'x.resumable.lock',
      'x.resumable.json',
      BATCH_JOURNAL_NAME,
      `.${BATCH_JOURNAL_NAME}.ab12.tmp`,
    ])
      await assert.rejects(
        resolveInside(dest, ['sub', name]),
        (e: unknown) => e instanceof KeyRefusedError && e.reason === 'reserved-name',
        name,
      )
  })

  it('refuses a name whose checkpoint copy (.<name>.resumable.json.tmp) would exceed 255 bytes (segment-too-long); the longest accepted name gets its temporary file and checkpoint saved', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    assert.equal(MAX_DESTINATION_NAME_BYTES, 235)
    await assert.rejects(
      resolveInside(dest, ['m'.repeat(236)]),
      (e: unknown) => e instanceof KeyRefusedError && e.reason === 'segment-too-long',
    )
    const longest = await resolveInside(dest, ['m'.repeat(235)])
    assert.equal(longest, join(await realpath(dest), 'm'.repeat(235)))
    const target = new FileTarget(longest)
    await target.open({ size: 1, resume: false })
    await target.write(0, new Uint8Array([7]))
    await new FileCheckpointStore().save(longest, new Uint8Array([1, 2, 3]))
    await target.commit()
    assert.deepEqual([...(await readFile(longest))], [7])
  })

  it('refuses names Windows cannot hold when asked (device names with any extension, reserved characters, trailing period or space), and creates nothing for them', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    for (const bad of [
      ['aux'],
      ['Aux.txt'],
      ['nul.tar.gz'],
      ['CON .log'],
      ['com1'],
      ['LPT\u00b9.dat'],
      ['a:b'],
      ['what?'],
      ['x<y>'],
      ['pipe|d'],
      ['star*'],
      ['q"uote'],
      ['name.'],
      ['name '],
      ['prn', 'inner.txt'],
      ['dir.', 'inner.txt'],
    ])
      await assert.rejects(
        resolveInside(dest, bad, { windowsNames: true }),
        (e: unknown) =>
          e instanceof KeyRefusedError &&
          e.reason === 'reserved-on-windows' &&
          e.message.includes(JSON.stringify(bad.find((s) => s !== 'inner.txt'))),
        JSON.stringify(bad),
      )
    assert.deepEqual(await readdir(dest), [], 'no directory created for a refused key')
    for (const fine of [['console.txt'], ['auxiliary'], ['com10'], ['lpt'], ['a.con'], ['.nul']])
      assert.equal(
        await resolveInside(dest, fine, { windowsNames: true }),
        join(await realpath(dest), ...fine),
        JSON.stringify(fine),
      )
  })

  it('keeps Windows-only refusals off elsewhere: aux.txt and a:b are plain files on Linux and macOS', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    const windows = process.platform === 'win32'
    for (const name of ['aux.txt', 'a:b']) {
      const resolved = resolveInside(dest, [name])
      if (windows) await assert.rejects(resolved, KeyRefusedError, name)
      else assert.equal(await resolved, join(await realpath(dest), name))
    }
  })

  it('refuses segments that are not plain names even if a caller skipped safeRelativePath', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    for (const bad of [['..', 'x'], ['a/b'], ['.'], ['']])
      await assert.rejects(resolveInside(dest, bad), KeyRefusedError, JSON.stringify(bad))
  })
})

describe('downloadMany into files', () => {
  it('downloads a prefix, refuses hostile keys and a symlink escape, writes nothing outside, and keeps the journal since objects failed', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    const outside = await mkdtemp(join(root, 'outside-'))
    await symlink(outside, join(dest, 'evil'))
    const objects = new Map<string, Uint8Array>([
      ['p/a.txt', encoder.encode('alpha')],
      ['p/dir/b.txt', encoder.encode('beta')],
      ['p/evil/pwned.txt', encoder.encode('nope')],
      ['p/../../pwned.txt', encoder.encode('nope')],
      ['p/%2e%2e/x', encoder.encode('literal percent is fine')],
    ])
    const requests = new Map<string, number>()
    const transportFor = bucket(objects, requests)
    const listing: ListedObject[] = [...objects].map(([key, b]) => ({ key, size: b.length }))
    const journal = FileBatchJournalStore.in(dest)
    const summary = await downloadMany({
      id: 'fake://b/p/ → dest',
      prefix: 'p/',
      objects: listing,
      journal,
      open: ({ key, segments }) => fileBatchObject(dest, segments, transportFor(key), { key }),
    })
    assert.deepEqual(summary.failures.map((f) => [f.key, f.kind]).sort(), [
      ['p/../../pwned.txt', 'unsafe-key'],
      ['p/evil/pwned.txt', 'unsafe-key'],
    ])
    assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'alpha')
    assert.equal(await readFile(join(dest, 'dir', 'b.txt'), 'utf8'), 'beta')
    assert.equal(await readFile(join(dest, '%2e%2e', 'x'), 'utf8'), 'literal percent is fine')
    assert.deepEqual(await readdir(outside), [])
    assert.equal(existsSync(join(root, 'pwned.txt')), false)
    assert.equal(requests.get('p/evil/pwned.txt'), undefined, 'a refused key is never requested')
    assert.equal(existsSync(journal.path), true, 'kept: the batch had failures')
  })

  it('a rerun after the journal’s last append was torn requests no completed object again', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    const objects = new Map<string, Uint8Array>()
    for (let i = 0; i < 40; i++) objects.set(`k/${i}`, encoder.encode(`object ${i}`.repeat(i + 1)))
    const requests = new Map<string, number>()
    const transportFor = bucket(objects, requests)
    const options = {
      id: 'k → dest',
      prefix: 'k/',
      objects: [...objects].map(([key, b]) => ({ key, size: b.length })),
      journal: FileBatchJournalStore.in(dest),
      keepJournal: true,
      open: ({ key, segments }: { key: string; segments: readonly string[] }) =>
        fileBatchObject(dest, segments, transportFor(key), { key }),
    }
    assert.equal((await downloadMany(options)).downloaded, 40)
    const path = join(dest, BATCH_JOURNAL_NAME)
    const size = (await readFile(path)).length
    await truncate(path, size - 5)
    requests.clear()
    const summary = await downloadMany(options)
    assert.equal(summary.skipped.done, 40)
    assert.equal(requests.size, 0)
    // The rerun rewrote the journal compactly: it decodes again without a torn tail.
    assert.equal((await readFile(path)).at(-1), 0x0a)
  })

  it('after a kill between an object’s rename and its journal record, a rerun recognises the file by its CRC-64 with no request and removes the dead run’s lock', async () => {
    const dest = await mkdtemp(join(root, 'd-'))
    const objects = new Map<string, Uint8Array>()
    for (let i = 0; i < 5; i++) objects.set(`k/${i}`, encoder.encode(`object ${i}`.repeat(50 + i)))
    const requests = new Map<string, number>()
    const transportFor = bucket(objects, requests)
    const id = 'k → dest'
    const options = {
      id,
      prefix: 'k/',
      objects: [...objects].map(([key, b]) => ({ key, size: b.length })),
      journal: FileBatchJournalStore.in(dest),
      keepJournal: true,
      open: ({ key, segments }: { key: string; segments: readonly string[] }) =>
        fileBatchObject(dest, segments, transportFor(key), { key }),
    }
    assert.equal((await downloadMany(options)).downloaded, 5)
    // The state a kill leaves after k/3's rename: its journal has the commit record, not done,
    // and its lock file names a process that no longer exists.
    const path = join(dest, BATCH_JOURNAL_NAME)
    const decoded = BatchJournalCodec.decode(new Uint8Array(await readFile(path)), id)
    assert.ok(decoded.ok)
    const parts = [BatchJournalCodec.encode({ type: 'batch', version: BATCH_JOURNAL_VERSION, id })]
    for (const record of decoded.records)
      parts.push(
        BatchJournalCodec.encode(record.key === 'k/3' ? { ...record, type: 'commit' } : record),
      )
    await writeFile(path, Buffer.concat(parts))
    const lock = join(dest, `3${LOCK_SUFFIX}`)
    await writeFile(
      lock,
      JSON.stringify({ pid: 2 ** 30, host: hostname(), startedAt: new Date().toISOString() }),
    )
    requests.clear()
    const summary = await downloadMany(options)
    assert.equal(summary.ok, true)
    assert.equal(summary.skipped.done, 5)
    assert.equal(requests.size, 0, 'no object requested again')
    assert.equal(existsSync(lock), false, 'the dead run’s lock is removed')
    assert.deepEqual(new Uint8Array(await readFile(join(dest, '3'))), objects.get('k/3'))
    const after = BatchJournalCodec.decode(new Uint8Array(await readFile(path)), id)
    assert.ok(after.ok)
    assert.equal(after.records.filter((r) => r.key === 'k/3').at(-1)?.type, 'done')
  })
})
