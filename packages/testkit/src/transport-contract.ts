import assert from 'node:assert/strict'
import { crc64, isTransportError, type Transport, type TransportError } from '@resumable/core'
import type { ContractCase } from './contract-case.ts'
import { collect } from './helpers.ts'
import { MockOss } from './oss-model.ts'
import {
  CONTRACT_CREDENTIALS,
  ContextOpener,
  type TransportCapabilities,
  type TransportFactory,
} from './transport-context.ts'

const BUCKET = 'examplebucket'

/** Contract switches: the transport's capabilities. */
export type TransportContractOptions = TransportCapabilities

/** The cases every Transport must pass against the mocked OSS. */
export function transportContract(
  makeTransport: TransportFactory,
  options: TransportContractOptions = {},
): ContractCase[] {
  const credentials = options.signed ? { credentials: CONTRACT_CREDENTIALS } : {}
  const opener = new ContextOpener(options.serve)
  const setup = async (
    key: string,
    size = 300_000,
    init: { metadata?: Record<string, string> } = {},
  ) => {
    const oss = new MockOss(credentials)
    const bytes = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff)
    const object = oss.putObject(BUCKET, key, {
      bytes,
      ...(init.metadata ? { metadata: init.metadata } : {}),
    })
    const context = await opener.open(oss, BUCKET, key)
    const transport = await makeTransport(context)
    return { oss, bytes, object, context, transport }
  }
  const expectError = async (
    promise: Promise<unknown>,
    check: (e: TransportError) => void,
  ): Promise<void> => {
    try {
      await promise
    } catch (error) {
      assert.ok(isTransportError(error), `expected a TransportError, got ${String(error)}`)
      assert.ok(
        !error.message.includes(CONTRACT_CREDENTIALS.secretAccessKey),
        'secret leaked into a message',
      )
      check(error)
      return
    }
    assert.fail('expected the call to fail')
  }
  const read = async (
    t: Transport,
    start: number,
    end: number,
    object: Awaited<ReturnType<Transport['stat']>>,
  ) => {
    const response = await t.read({ start, end, object })
    return { response, bytes: await collect(response.body) }
  }

  const s3 = options.flavour === 's3'
  const signedCases: ContractCase[] = options.signed
    ? [
        {
          name: 'the mock verifies signatures: a wrong secret gets 403 SignatureDoesNotMatch, not retryable',
          async run() {
            const wrong = { ...CONTRACT_CREDENTIALS, secretAccessKey: 'a-different-secret' }
            const oss = new MockOss({ credentials: wrong })
            oss.putObject(BUCKET, 'dir/signed.bin', { bytes: new Uint8Array(10) })
            const transport = await makeTransport(await opener.open(oss, BUCKET, 'dir/signed.bin'))
            await expectError(transport.stat(), (e) => {
              assert.equal(e.status, 403)
              // S3 answers a HEAD error with its status alone: an S3 transport must learn the code
              // another way (transport-fetch asks a GET bytes=0-0 for it).
              assert.equal(e.code, 'SignatureDoesNotMatch')
              assert.equal(e.retryable, false)
            })
          },
        },
      ]
    : []

  return opener.wrap([
    ...signedCases,
    {
      name: `stat reports size, quoted ETag, Last-Modified, ${s3 ? 'CRC-64/NVME' : 'CRC-64/XZ'} and user metadata`,
      async run() {
        const { transport, object, bytes } = await setup('dir/meta.bin', 300_000, {
          metadata: { meta: 'value' },
        })
        const info = await transport.stat()
        assert.equal(info.size, 300_000)
        assert.equal(info.etag, object.etag)
        assert.equal(info.lastModified, object.lastModified.toUTCString())
        assert.deepEqual(
          info.checksum,
          s3
            ? { algorithm: 'crc64nvme', value: crc64('crc64nvme', bytes) }
            : { algorithm: 'crc64xz', value: object.crc64 },
        )
        assert.equal(info.metadata?.meta, options.userMetadata === false ? undefined : 'value')
      },
    },
    {
      name: 'read returns exactly the requested ranges: first byte, last byte, middle, whole',
      async run() {
        const { transport, bytes } = await setup('dir/ranges.bin')
        const info = await transport.stat()
        for (const [start, end] of [
          [0, 0],
          [299_999, 299_999],
          [1000, 204_799],
          [0, 299_999],
        ] as const) {
          const { response, bytes: got } = await read(transport, start, end, info)
          assert.deepEqual(response.range, { start, end })
          assert.deepEqual(got, bytes.subarray(start, end + 1), `bytes ${start}-${end}`)
        }
      },
    },
    {
      name: 'a zero-length object stats as size 0',
      async run() {
        const { transport } = await setup('dir/empty.bin', 0)
        assert.equal((await transport.stat()).size, 0)
      },
    },
    {
      name: 'a read after the object changed fails with precondition-failed (If-Match)',
      async run() {
        const { transport, oss } = await setup('dir/changing.bin')
        const info = await transport.stat()
        oss.putObject(BUCKET, 'dir/changing.bin', { bytes: new Uint8Array(300_000).fill(1) })
        await expectError(transport.read({ start: 0, end: 99, object: info }), (e) => {
          assert.equal(e.kind, 'precondition-failed')
          assert.equal(e.retryable, false)
        })
      },
    },
    {
      name: 'a missing key is not-found, not retryable, with the RequestId',
      async run() {
        const { transport, oss } = await setup('dir/gone.bin')
        oss.deleteObject(BUCKET, 'dir/gone.bin')
        await expectError(transport.stat(), (e) => {
          assert.equal(e.kind, 'not-found')
          assert.equal(e.retryable, false)
          assert.equal(e.status, 404)
          assert.match(e.requestId ?? '', /^5F/)
        })
      },
    },
    ...(
      [
        [403, 'AccessDenied', 'forbidden', false],
        [403, 'InvalidObjectState', 'archived', false],
        [503, 'ServiceUnavailable', 'throttled', true],
        [503, 'DownloadTrafficRateLimitExceeded', 'throttled', true],
        [500, 'InternalError', 'server', true],
      ] as const
    ).map(([status, code, kind, retryable]) => ({
      name: `${status} ${code} on a read maps to ${kind} (retryable: ${retryable}) with Code and RequestId`,
      async run() {
        const { transport, oss } = await setup(`dir/${code}.bin`)
        const info = await transport.stat()
        oss.faults.add({ fault: { type: 'status', status, code, retryAfterSeconds: 2 }, times: 1 })
        await expectError(transport.read({ start: 0, end: 9, object: info }), (e) => {
          assert.equal(e.kind, kind)
          assert.equal(e.retryable, retryable)
          assert.equal(e.code, code)
          assert.match(e.requestId ?? '', /^5F/)
          if (status === 503) assert.equal(e.retryAfterMs, 2000)
        })
      },
    })),
    {
      name: 'a connection reset mid-body surfaces as a retryable error',
      async run() {
        const { transport, oss } = await setup('dir/reset.bin')
        const info = await transport.stat()
        oss.faults.add({ fault: { type: 'reset', afterBytes: 70_000 }, times: 1 })
        await expectError(
          (async () =>
            collect((await transport.read({ start: 0, end: 299_999, object: info })).body))(),
          (e) => assert.equal(e.retryable, true),
        )
      },
    },
    {
      name: 'a 200 whole-object answer to a ranged read is refused or declared as the whole range',
      async run() {
        const { transport, oss, bytes } = await setup('dir/whole.bin')
        const info = await transport.stat()
        oss.faults.add({ fault: { type: 'whole-body' }, times: 1 })
        try {
          const response = await transport.read({ start: 100, end: 199, object: info })
          assert.deepEqual(response.range, { start: 0, end: 299_999 })
          assert.deepEqual(await collect(response.body), bytes)
        } catch (error) {
          assert.ok(isTransportError(error), `expected a TransportError, got ${String(error)}`)
        }
      },
    },
    {
      name: 'aborting the signal stops a stalled read promptly',
      async run() {
        const { transport, oss } = await setup('dir/stall.bin')
        const info = await transport.stat()
        oss.faults.add({ fault: { type: 'stall', afterBytes: 10_000 }, times: 1 })
        const controller = new AbortController()
        const reading = (async () =>
          collect(
            (
              await transport.read({
                start: 0,
                end: 299_999,
                object: info,
                signal: controller.signal,
              })
            ).body,
          ))()
        setTimeout(() => controller.abort(new Error('stop')), 50)
        const started = Date.now()
        await assert.rejects(reading)
        assert.ok(Date.now() - started < 5000, 'abort took too long')
      },
    },
    {
      name: 'the id is stable and carries no credentials',
      async run() {
        const { transport, context } = await setup('dir/id.bin')
        assert.equal(typeof transport.id, 'string')
        if (options.expectedId) assert.equal(transport.id, options.expectedId(context))
        assert.ok(!transport.id.includes(CONTRACT_CREDENTIALS.secretAccessKey))
        assert.ok(!/signature|x-oss-credential|OSSAccessKeyId/i.test(transport.id))
      },
    },
    {
      name: 'text objects arrive unencoded (the transport sends Accept-Encoding: identity)',
      async run() {
        const oss = new MockOss(credentials)
        const text = new TextEncoder().encode('resumable '.repeat(500))
        oss.putObject(BUCKET, 'dir/page.txt', { bytes: text, contentType: 'text/plain' })
        const transport = await makeTransport(await opener.open(oss, BUCKET, 'dir/page.txt'))
        const info = await transport.stat()
        assert.equal(info.size, text.length)
        assert.ok(info.etag, 'ETag present: the response was not gzipped')
        const { bytes } = await read(transport, 0, text.length - 1, info)
        assert.deepEqual(bytes, text)
      },
    },
  ])
}
