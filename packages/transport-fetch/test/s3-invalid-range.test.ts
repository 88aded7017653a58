// S3 answers a range past the object's end with 416 InvalidRange and the object's size in the
// error body (`<ActualObjectSize>`), often without a Content-Range. Through download(), against a
// real loopback server: the size must reach the user, and a guarded read whose 416 names a
// smaller size is a shorter object, not a store fault retried in vain.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { download, ObjectChangedError } from '@resumable/core'
import { MemoryTarget } from '@resumable/store-memory'
import { CONTRACT_CREDENTIALS, MockOss, makeBytes } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import { createS3Transport } from '@resumable/transport-fetch'

const SIZE = 3 * 256 * 1024
const NOW = 1000
let server: Server
let endpoint: string

before(async () => {
  server = createServer((req, res) => {
    const head = {
      etag: '"E"',
      'accept-ranges': 'bytes',
      'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
      'x-amz-request-id': 'REQ416',
    }
    if (req.method === 'HEAD')
      return void res.writeHead(200, { ...head, 'content-length': String(SIZE) }).end()
    // The object is now shorter: every range is refused, as S3 words it.
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRange</Code>' +
      '<Message>The requested range is not satisfiable</Message>' +
      `<RangeRequested>${req.headers.range}</RangeRequested><ActualObjectSize>${NOW}</ActualObjectSize>` +
      '<RequestId>REQ416</RequestId><HostId>HOST416</HostId></Error>'
    res.writeHead(416, { 'content-type': 'application/xml', 'x-amz-request-id': 'REQ416' }).end(xml)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe("S3's 416 with ActualObjectSize", () => {
  it('says the object is now N bytes, and fails as a changed object instead of retrying a store fault', async () => {
    const transport = createS3Transport({
      bucket: 'bkt',
      key: 'shrunk.bin',
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
    })
    const error = await download({
      transport,
      target: new MemoryTarget('/dest/shrunk.bin'),
      checkpoint: false,
      partSize: 256 * 1024,
      onObjectChanged: 'fail',
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
    }).then(
      () => assert.fail('expected the download to fail'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof ObjectChangedError, String(error))
    assert.match(
      error.message,
      new RegExp(`the object is now ${NOW} bytes, not the ${SIZE} stat reported`),
    )
    assert.doesNotMatch(error.message, /not-a-real-secret/)
  })
})

// The same through the testkit's mock S3 on a real loopback socket, so the contract suites' mock
// answers as S3 does: its InvalidRange body names the range and the object's size.
describe("the mock S3's 416 carries ActualObjectSize", () => {
  it('a read of an object that shrank after stat says the object is now N bytes', async () => {
    const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
    oss.createBucket('bkt')
    oss.putObject('bkt', 'shrunk.bin', { bytes: makeBytes(SIZE, 3), etag: '"S"' })
    const server = await startMockOss({ oss })
    try {
      const transport = createS3Transport({
        bucket: 'bkt',
        key: 'shrunk.bin',
        endpoint: server.url,
        region: 'us-east-1',
        credentials: CONTRACT_CREDENTIALS,
      })
      const object = await transport.stat()
      assert.equal(object.size, SIZE)
      // Same ETag, so If-Match holds and the store answers the range itself: 416.
      oss.putObject('bkt', 'shrunk.bin', { bytes: makeBytes(NOW, 3), etag: '"S"' })
      const error = await transport.read({ start: 2 * NOW, end: SIZE - 1, object }).then(
        () => assert.fail('expected the read to fail'),
        (e: unknown) => e,
      )
      assert.ok(error instanceof Error, String(error))
      assert.match(error.message, new RegExp(`the object is now ${NOW} bytes`))
    } finally {
      await server.close()
    }
  })
})
