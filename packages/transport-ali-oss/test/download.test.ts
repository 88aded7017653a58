import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AbortedError, crc64, download, IntegrityError } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import { type FaultRule, makeBytes } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import type OSS from 'ali-oss'
import { createAliOssTransport } from '../src/index.ts'
import { BUCKET, KEY, makeClient, startOss } from './helpers/setup.ts'

const KiB = 1024
const SIZE = 3 * 1024 * KiB + 123

function objectOf(seed: number, etag: string) {
  return { bytes: makeBytes(SIZE, seed), etag, metadata: { meta: 'value' } }
}

/** Part reads (ranged GETs) get `faults`, one each, in order. */
function inOrder(...faults: FaultRule['fault'][]): FaultRule[] {
  return faults.map((fault) => ({ fault, match: { method: 'GET', ranged: true }, times: 1 }))
}

/** Quick retries so faults cost milliseconds, not seconds. */
const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 5, checkpointIntervalMs: 5 } as const

describe('download() over ali-oss', () => {
  let server: MockOssServer
  let client: OSS
  before(async () => {
    server = await startOss()
    server.oss.putObject(BUCKET, KEY, objectOf(1, '"A"'))
    client = makeClient(server.url)
  })
  after(() => server.close())

  it('survives mid-body resets and 503 throttling, and verifies CRC-64', async () => {
    const object = objectOf(2, '"B"')
    server.oss.putObject(BUCKET, KEY, object)
    const rules = inOrder(
      { type: 'reset', afterBytes: 50 * KiB },
      {
        type: 'error',
        status: 503,
        code: 'ServiceUnavailable',
        message: 'Please reduce your request rate.',
      },
      { type: 'reset', afterBytes: 1 },
      { type: 'error', status: 503, code: 'TotalQpsLimitExceeded' },
      { type: 'short', afterBytes: 10 * KiB },
      { type: 'reset', afterBytes: 200 * KiB },
    )
    for (const rule of rules) server.oss.faults.add(rule)
    const servedBefore = server.oss.served.log.length
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
    const injected = server.oss.served.log.slice(servedBefore).filter((r) => r.fault)
    assert.equal(injected.length, rules.length, 'every fault was served')
  })

  it('resumes from the checkpoint after a pause', async () => {
    const object = objectOf(3, '"C"')
    server.oss.putObject(BUCKET, KEY, object)
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
    server.oss.faults.add({
      fault: { type: 'stall', afterBytes: 64 * KiB, ms: 5000 },
      match: { method: 'GET', ranged: true },
      skip: 2,
      times: 2,
    })
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
    server.oss.putObject(BUCKET, KEY, objectOf(4, '"D"'))
    const replacement = objectOf(5, '"E"')
    for (const rule of inOrder({ type: 'replace', object: replacement }))
      server.oss.faults.add(rule)
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

  it("fails and publishes nothing when a 200's Content-MD5 does not match its body", async () => {
    // No CRC-64 and no MD5 on the HEAD: the 200's Content-MD5 is the only check there is.
    server.oss.putObject(BUCKET, KEY, { ...objectOf(7, '"G"'), crc64: false })
    const wrong = createHash('md5').update(makeBytes(SIZE, 8)).digest('base64')
    server.oss.faults.add({
      fault: { type: 'ignore-range', headers: { 'content-md5': wrong } },
      match: { method: 'GET' },
      times: 1,
    })
    const dir = await mkdtemp(join(tmpdir(), 'ali-oss-md5-'))
    try {
      const destination = join(dir, 'examplefile.txt')
      await assert.rejects(
        download({
          transport: createAliOssTransport(client, KEY),
          target: new FileTarget(destination),
          checkpoint: new FileCheckpointStore(),
          partSize: 4 * 1024 * KiB,
          concurrency: 1,
          ...fast,
        }),
        (error: unknown) => {
          assert.ok(error instanceof IntegrityError, String(error))
          assert.match(error.message, /Content-MD5/)
          return true
        },
      )
      assert.ok(!(await readdir(dir)).includes('examplefile.txt'), 'nothing published')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('downloads into a file with store-fs through resets and throttling', async () => {
    const object = objectOf(6, '"F"')
    server.oss.putObject(BUCKET, KEY, object)
    const rules = inOrder(
      { type: 'reset', afterBytes: 70 * KiB },
      { type: 'error', status: 503, code: 'ActiveRequestLimitExceeded' },
      { type: 'short', afterBytes: 3 * KiB },
      { type: 'error', status: 503, code: 'DownloadTrafficRateLimitExceeded' },
      { type: 'reset', afterBytes: 0 },
    )
    for (const rule of rules) server.oss.faults.add(rule)
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
