// A 416 to a range inside the size stat gave, without a Content-Range that says how long the
// object is now: both OSS transports, through download(), against the mock OSS on a real loopback
// socket. If-Match held (the store answered 416, not 412), so the object did not change: the
// store failed, and the message must say so instead of blaming a shorter object.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  download,
  isTransportError,
  ObjectChangedError,
  type Transport,
  type TransportError,
} from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget } from '@resumable/store-memory'
import { CONTRACT_CREDENTIALS, type Fault, MockOss, makeBytes } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { createOssTransport } from '@resumable/transport-fetch'
import OSS from 'ali-oss'
import { createAliOssTransport } from '../src/index.ts'

const BUCKET = 'rangebucket'
const KEY = 'refused.bin'
const KiB = 1024
const PART = 256 * KiB
const SIZE = 3 * PART + 17

const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 5, checkpointIntervalMs: 5 } as const

describe('a 416 without Content-Range to a range inside the object', () => {
  let server: MockOssServer
  let oss: MockOss

  before(async () => {
    oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
    oss.createBucket(BUCKET)
    oss.putObject(BUCKET, KEY, { bytes: makeBytes(SIZE, 4), etag: '"E416"' })
    server = await startMockOss({ oss })
  })
  after(() => server.close())

  const transports: [string, () => Transport][] = [
    [
      'transport-fetch',
      () =>
        createOssTransport({
          bucket: BUCKET,
          key: KEY,
          endpoint: server.url,
          region: 'cn-hangzhou',
          credentials: CONTRACT_CREDENTIALS,
        }),
    ],
    [
      'transport-ali-oss',
      () =>
        createAliOssTransport(
          new OSS({
            endpoint: server.url,
            bucket: BUCKET,
            accessKeyId: CONTRACT_CREDENTIALS.accessKeyId,
            accessKeySecret: CONTRACT_CREDENTIALS.secretAccessKey,
          }),
          KEY,
        ),
    ],
  ]

  /**
   * Downloads with every part GET after the first `skip` answered with `fault`; returns the error
   * and whether a checkpoint is left (never, with `withCheckpoint` false: `checkpoint: false`).
   */
  async function refused(make: () => Transport, skip: number, fault: Fault, withCheckpoint = true) {
    const remove = oss.faults.add({ fault, match: { method: 'GET', ranged: true }, skip })
    const target = new MemoryTarget(`/dest/${KEY}`)
    const checkpoint = new MemoryCheckpointStore()
    try {
      const error = await download({
        transport: make(),
        target,
        checkpoint: withCheckpoint ? checkpoint : false,
        partSize: PART,
        concurrency: 1,
        onObjectChanged: 'fail',
        ...fast,
      }).then(
        () => assert.fail('expected the download to fail'),
        (e: unknown) => e,
      )
      assert.equal(target.committed, undefined, 'nothing published')
      return { error, kept: (await checkpoint.load(target.id)) !== undefined }
    } finally {
      remove()
    }
  }

  const invalidRange: Fault = { type: 'status', status: 416, code: 'InvalidRange' }

  for (const [name, make] of transports) {
    for (const [where, skip, bytes] of [
      ['the first part', 0, `0-${PART - 1}`],
      ['a later part', 1, `${PART}-${2 * PART - 1}`],
    ] as const) {
      it(`${name}, ${where}: a retryable server fault that names the range and the size, not a shorter object`, async () => {
        const { error, kept } = await refused(make, skip, invalidRange)
        // The first part's bytes are durable before the second part is asked for.
        if (skip > 0) assert.ok(kept, 'the checkpoint is kept for the next run')
        assert.ok(isTransportError(error), String(error))
        const e = error as TransportError
        assert.equal(e.kind, 'server')
        assert.equal(e.retryable, true)
        assert.equal(e.status, 416)
        assert.equal(e.code, 'InvalidRange')
        assert.match(e.message, new RegExp(`bytes ${bytes}`))
        assert.match(e.message, new RegExp(`inside the ${SIZE}-byte object stat reported`))
        assert.match(e.message, /without a Content-Range/)
        assert.match(e.message, /if it repeats, check what serves the object/)
        assert.doesNotMatch(e.message, /the object is shorter|beyond the end/)
      })
    }

    // Whether a checkpoint is left is the engine's to know, not the HTTP layer's: the 416's
    // message must not promise one, which is untrue without a checkpoint store or before any
    // byte was durable.
    for (const [where, skip, withCheckpoint] of [
      ['with checkpoint: false', 1, false],
      ['refused at the first part, before any byte was durable', 0, true],
    ] as const) {
      it(`${name}, ${where}: the 416's message does not say a checkpoint is kept when none is`, async () => {
        const { error, kept } = await refused(make, skip, invalidRange, withCheckpoint)
        assert.equal(kept, false, 'no checkpoint is left')
        assert.ok(isTransportError(error), String(error))
        const e = error as TransportError
        assert.equal(e.kind, 'server')
        assert.doesNotMatch(e.message, /checkpoint|resume/)
      })
    }

    it(`${name}: a 416 whose ETag differs from stat's still says the object changed`, async () => {
      const { error } = await refused(make, 1, {
        type: 'error',
        status: 416,
        code: 'InvalidRange',
        headers: { etag: '"NEWER"' },
      })
      assert.ok(error instanceof ObjectChangedError, String(error))
    })
  }
})
