import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AbortedError, crc64, download } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import type OSS from 'ali-oss'
import { createAliOssTransport } from '../src/index.ts'
import type { OssStub, StubObject } from './helpers/oss-stub.ts'
import { BUCKET, bytesOf, KEY, makeClient, startStub } from './helpers/setup.ts'

const KiB = 1024
const SIZE = 3 * 1024 * KiB + 123

function stubObject(seed: number, etag: string): StubObject {
  const bytes = bytesOf(SIZE, seed)
  return { bytes, etag, crc64: crc64('crc64xz', bytes).toString(), meta: { meta: 'value' } }
}

/** Quick retries so faults cost milliseconds, not seconds. */
const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 5, checkpointIntervalMs: 5 } as const

describe('download() over ali-oss', () => {
  let stub: OssStub
  let client: OSS
  before(async () => {
    stub = await startStub(stubObject(1, '"A"'))
    client = makeClient(stub.endpoint)
  })
  after(() => stub.close())

  it('survives mid-body resets and 503 throttling, and verifies CRC-64', async () => {
    const object = stubObject(2, '"B"')
    stub.put(BUCKET, KEY, object)
    stub.faults.push(
      { kind: 'reset', afterBytes: 50 * KiB },
      {
        kind: 'error',
        status: 503,
        code: 'ServiceUnavailable',
        message: 'Please reduce your request rate.',
      },
      { kind: 'reset', afterBytes: 1 },
      { kind: 'error', status: 503, code: 'TotalQpsLimitExceeded' },
      { kind: 'short', afterBytes: 10 * KiB },
      { kind: 'reset', afterBytes: 200 * KiB },
    )
    const target = new MemoryTarget('/dest/exampleobject.txt')
    const result = await download({
      transport: createAliOssTransport(client, KEY),
      target,
      checkpoint: new MemoryCheckpointStore(),
      partSize: 256 * KiB,
      concurrency: 4,
      ...fast,
    })
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, {
      method: 'crc64xz',
      value: crc64('crc64xz', object.bytes),
    })
    assert.equal(result.object.etag, '"B"')
    assert.deepEqual(result.object.metadata, { meta: 'value' })
    assert.ok(result.retries >= 6, `expected at least 6 retries, got ${result.retries}`)
    assert.ok((result.retriesByKind.network ?? 0) >= 4)
    assert.ok((result.retriesByKind.throttled ?? 0) >= 2)
    assert.equal(stub.faults.length, 0)
  })

  it('resumes from the checkpoint after a pause', async () => {
    const object = stubObject(3, '"C"')
    stub.put(BUCKET, KEY, object)
    const volume = new MemoryVolume()
    const checkpoint = new MemoryCheckpointStore()
    const options = {
      transport: createAliOssTransport(client, KEY),
      checkpoint,
      partSize: 128 * KiB,
      concurrency: 2,
      ...fast,
    }
    // Parts 0 and 1 arrive whole; parts 2 and 3 stall after 64 KiB, and the pause lands there.
    stub.faults.push(
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'stall', afterBytes: 64 * KiB, ms: 5000 },
      { kind: 'stall', afterBytes: 64 * KiB, ms: 5000 },
    )
    const controller = new AbortController()
    const paused = download({
      ...options,
      target: new MemoryTarget('/dest/a', { volume }),
      signal: controller.signal,
      onEvent: (event) => {
        // Parts 0 and 1 are done; give parts 2 and 3 time to deliver 64 KiB each, then pause.
        if (event.type === 'part-done' && event.index === 1)
          setTimeout(() => controller.abort(), 150)
      },
    })
    await assert.rejects(paused, AbortedError)
    const target = new MemoryTarget('/dest/a', { volume })
    const result = await download({ ...options, target })
    assert.deepEqual(target.committed, object.bytes)
    // Parts 0 and 1 whole, plus whatever of parts 2 and 3 had arrived (64 KiB each, given time).
    assert.ok(result.resumedBytes >= 256 * KiB && result.resumedBytes <= 384 * KiB)
    assert.equal(result.verification.method, 'crc64xz')
  })

  it('starts over when the object is overwritten mid-download', async () => {
    stub.put(BUCKET, KEY, stubObject(4, '"D"'))
    const replacement = stubObject(5, '"E"')
    stub.faults.push({ kind: 'replace', object: replacement })
    const target = new MemoryTarget('/dest/changed')
    const result = await download({
      transport: createAliOssTransport(client, KEY),
      target,
      checkpoint: new MemoryCheckpointStore(),
      partSize: 256 * KiB,
      concurrency: 3,
      ...fast,
    })
    assert.equal(result.restarts, 1)
    assert.equal(result.object.etag, '"E"')
    assert.deepEqual(target.committed, replacement.bytes)
  })

  it('downloads into a file with store-fs through resets and throttling', async () => {
    const object = stubObject(6, '"F"')
    stub.put(BUCKET, KEY, object)
    stub.faults.push(
      { kind: 'reset', afterBytes: 70 * KiB },
      { kind: 'error', status: 503, code: 'ActiveRequestLimitExceeded' },
      { kind: 'short', afterBytes: 3 * KiB },
      { kind: 'error', status: 503, code: 'DownloadTrafficRateLimitExceeded' },
      { kind: 'reset', afterBytes: 0 },
    )
    const dir = await mkdtemp(join(tmpdir(), 'ali-oss-e2e-'))
    try {
      const destination = join(dir, 'examplefile.txt')
      const result = await download({
        transport: createAliOssTransport(client, KEY),
        target: new FileTarget(destination),
        checkpoint: new FileCheckpointStore(),
        partSize: 256 * KiB,
        concurrency: 4,
        ...fast,
      })
      assert.deepEqual(new Uint8Array(await readFile(destination)), object.bytes)
      assert.equal(result.verification.method, 'crc64xz')
      assert.ok(result.retries >= 5, `expected at least 5 retries, got ${result.retries}`)
      // Only the file is left: temp file, checkpoint and lock are gone.
      assert.deepEqual(await readdir(dir), ['examplefile.txt'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
