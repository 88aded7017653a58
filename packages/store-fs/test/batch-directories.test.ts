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
  writeFile,
} from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  crc64,
  downloadMany,
  type ReadRequest,
  type Transport,
  TransportError,
} from '@resumable/core'
import { BATCH_LOCK_NAME, FileBatchStaging, fileBatchObject } from '@resumable/store-fs'
import { CreatedDirectories } from '../src/file-batch-directories.ts'

let root = ''
before(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'store-fs-dirs-')))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const encoder = new TextEncoder()

/** A transport over bytes kept in a Map; a key missing from it answers 404 (deleted after listing). */
function transportOf(objects: ReadonlyMap<string, Uint8Array>, key: string): Transport {
  const bytesOf = (): Uint8Array => {
    const bytes = objects.get(key)
    if (!bytes) throw new TransportError('not-found', 'gone', { status: 404, code: 'NoSuchKey' })
    return bytes
  }
  return {
    id: `fake://b/${key}`,
    async stat() {
      const bytes = bytesOf()
      return {
        size: bytes.length,
        etag: '"e"',
        checksum: { algorithm: 'crc64xz', value: crc64('crc64xz', bytes) },
      }
    },
    async read(request: ReadRequest) {
      const bytes = bytesOf().slice(request.start, request.end + 1)
      return {
        range: { start: request.start, end: request.end },
        body: (async function* () {
          yield bytes
        })(),
      }
    },
  }
}

describe('directories a batch created for objects that failed', () => {
  it('are gone after close; a successful sibling’s directories, pre-existing empty ones and the root stay', async () => {
    const dest = await mkdtemp(join(root, 'run-'))
    await mkdir(join(dest, 'empty-before'))
    await mkdir(join(dest, 'pre'))
    const objects = new Map([['ok/sub/a.txt', encoder.encode('alpha')]])
    // Listed, then 404 at the GET: deep/er/ and pre/new/ are made before the request fails.
    const listed = ['ok/sub/a.txt', 'deep/er/x', 'pre/new/y', 'ok/sub/gone/z'].map((key) => ({
      key,
    }))
    const staging = await FileBatchStaging.open(dest)
    let failed: string[]
    try {
      const summary = await downloadMany({
        id: 'fake://b/ → dest',
        objects: listed,
        open: ({ key, segments }) =>
          fileBatchObject(dest, segments, transportOf(objects, key), { key, staging }),
      })
      failed = summary.failures.map((f) => `${f.key} ${f.kind}`).sort()
      // Until close nothing is removed: another object could still be putting its file there.
      assert.ok(existsSync(join(dest, 'deep/er')))
    } finally {
      await staging.close()
    }
    assert.deepEqual(failed, [
      'deep/er/x not-found',
      'ok/sub/gone/z not-found',
      'pre/new/y not-found',
    ])
    assert.equal(await readFile(join(dest, 'ok/sub/a.txt'), 'utf8'), 'alpha')
    assert.deepEqual((await readdir(dest)).sort(), ['empty-before', 'ok', 'pre'])
    assert.deepEqual(await readdir(join(dest, 'ok/sub')), ['a.txt'])
    assert.deepEqual(await readdir(join(dest, 'pre')), [])
  })
})

describe('CreatedDirectories', () => {
  it('removes the deepest first, keeps a non-empty one, and never follows a symlink put in the way', async () => {
    const base = await mkdtemp(join(root, 'unit-'))
    const outside = await mkdtemp(join(root, 'outside-'))
    const record = new CreatedDirectories(base)
    for (const dir of ['a', 'a/b', 'a/b/c', 'full', 'swapped', 'swapped/inner']) {
      await mkdir(join(base, dir))
      record.add(join(base, dir))
    }
    await mkdir(join(base, 'full/kept-content'))
    // `swapped` becomes a symlink to a directory outside holding an empty `inner`.
    await rm(join(base, 'swapped'), { recursive: true })
    await mkdir(join(outside, 'inner'))
    await symlink(outside, join(base, 'swapped'))
    const removed = await record.removeEmpty()
    assert.deepEqual(removed, [join(base, 'a/b/c'), join(base, 'a/b'), join(base, 'a')])
    assert.deepEqual((await readdir(base)).sort(), ['full', 'swapped'])
    assert.ok(existsSync(join(outside, 'inner')), 'nothing removed through the symlink')
  })
})

const RECORD = '.resumable-batch.dirs'

/** What a kill -9 leaves of the batch in `dest`: its lock, naming a process that no longer runs. */
async function killed(dest: string): Promise<void> {
  const lock = { pid: 2 ** 22 + 7, host: hostname(), startedAt: 'before the kill' }
  await writeFile(join(dest, BATCH_LOCK_NAME), JSON.stringify(lock))
}
const unused = transportOf(new Map(), 'unused')
/** Makes the parent directories of `key` under `dest`, as a batch does before the object's GET. */
const prepare = (dest: string, key: string, staging: FileBatchStaging) =>
  fileBatchObject(dest, key.split('/'), unused, { key, staging })

describe('directories a killed batch run created', () => {
  it('removeLeftovers removes the nested ones still empty and their record; a pre-existing empty one and a non-empty one stay', async () => {
    const dest = await mkdtemp(join(root, 'killed-'))
    await mkdir(join(dest, 'mine'))
    const staging = await FileBatchStaging.open(dest)
    await prepare(dest, 'a/b/file.bin', staging)
    await prepare(dest, 'kept/file.bin', staging)
    await prepare(dest, 'mine/file.bin', staging)
    await writeFile(join(dest, 'kept/user.txt'), 'the user put this here')
    // Killed: no close, and its lock names a process that no longer runs.
    await killed(dest)
    const removedDirectories: string[] = []
    const names = await FileBatchStaging.removeLeftovers(dest, {
      onDirectoryRemoved: (path) => removedDirectories.push(path),
    })
    assert.deepEqual((await readdir(dest)).sort(), ['kept', 'mine'])
    assert.deepEqual(await readdir(join(dest, 'kept')), ['user.txt'])
    assert.deepEqual(await readdir(join(dest, 'mine')), [])
    assert.deepEqual(removedDirectories, ['a/b', 'a'])
    assert.ok(names.includes(RECORD), names.join(', '))
  })

  it('a rerun appends to the killed run’s record and its close removes both runs’ empty directories', async () => {
    const dest = await mkdtemp(join(root, 'rerun-'))
    await prepare(dest, 'c/d/file.bin', await FileBatchStaging.open(dest))
    // Killed; the rerun takes over the lock and makes its own directory.
    await killed(dest)
    const rerun = await FileBatchStaging.open(dest)
    await prepare(dest, 'e/file.bin', rerun)
    assert.equal(await readFile(join(dest, RECORD), 'utf8'), 'c\nc/d\ne\n')
    await rerun.close()
    assert.deepEqual(await readdir(dest), [])
  })

  it('a torn last line is ignored, and cut off before the next run appends', async () => {
    const dest = await mkdtemp(join(root, 'torn-'))
    await mkdir(join(dest, 'to'))
    // What a power cut while appending `top` can leave: a last line with no newline, naming another directory.
    await writeFile(join(dest, RECORD), 'c\nto')
    const staging = await FileBatchStaging.open(dest)
    await prepare(dest, 'z/file.bin', staging)
    assert.equal(await readFile(join(dest, RECORD), 'utf8'), 'c\nz\n')
    await staging.close()
    assert.deepEqual(await readdir(dest), ['to'])
  })

  it('hostile record lines (`..`, absolute, a symlink to outside, empty segments, NUL, backslash) remove nothing outside', async () => {
    const base = await mkdtemp(join(root, 'hostile-'))
    const dest = join(base, 'dest')
    for (const dir of ['dest/ok', 'dest/a/b', 'x', 'abs', 'out/inner'])
      await mkdir(join(base, dir), { recursive: true })
    await symlink(join(base, 'out'), join(dest, 'link'))
    const lines = [
      '../x',
      join(base, 'abs'),
      'link/inner',
      'link',
      'a//b',
      'a/b/',
      'a/./b',
      'ok\0',
      'a\\b',
      '..\\x',
      'ok',
    ]
    await writeFile(join(dest, RECORD), `${lines.join('\n')}\n`)
    const removedDirectories: string[] = []
    await FileBatchStaging.removeLeftovers(dest, {
      onDirectoryRemoved: (path) => removedDirectories.push(path),
    })
    // `ok` shows the record was read; nothing else it names is a plain path to a real directory inside.
    assert.deepEqual(removedDirectories, ['ok'])
    assert.deepEqual((await readdir(base)).sort(), ['abs', 'dest', 'out', 'x'])
    assert.deepEqual(await readdir(join(base, 'out')), ['inner'])
    assert.deepEqual((await readdir(dest)).sort(), ['a', 'link'])
    assert.deepEqual(await readdir(join(dest, 'a')), ['b'])
  })
})
