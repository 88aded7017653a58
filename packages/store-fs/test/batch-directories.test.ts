import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  crc64,
  downloadMany,
  type ReadRequest,
  type Transport,
  TransportError,
} from '@resumable/core'
import { FileBatchStaging, fileBatchObject } from '@resumable/store-fs'
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
    const record = new CreatedDirectories()
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
