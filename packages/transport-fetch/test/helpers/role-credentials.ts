import assert from 'node:assert/strict'
import { crc64, download, isTransportError, type TransportError } from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget } from '@resumable/store-memory'
import { MockOss, makeBytes } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import { type Credentials, type CredentialsProvider, createOssTransport } from '../../src/index.ts'

/** The provider's rejection, checked to be an `auth` (or `throttled`) TransportError that shows none of `secrets`. */
export async function refusalHiding(
  promise: unknown,
  secrets: readonly string[],
): Promise<TransportError> {
  const error = await (promise as Promise<unknown>).then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  )
  assert.ok(isTransportError(error), String(error))
  for (const secret of secrets)
    assert.ok(!`${error.message} ${String(error.cause)}`.includes(secret), error.message)
  return error
}

/**
 * Downloads 1 MiB and a bit through createOssTransport with `credentials`, from a mock OSS that
 * takes only `keys`; checks the bytes and that every request carried `keys`' security token.
 */
export async function downloadSignedWith(
  credentials: CredentialsProvider,
  keys: Credentials,
): Promise<void> {
  const bytes = makeBytes(1024 * 1024 + 3)
  const store = await startMockOss({ oss: new MockOss({ credentials: keys }) })
  try {
    store.oss.putObject('bkt', 'role/object.bin', { bytes })
    const target = new MemoryTarget('role.bin')
    await download({
      transport: createOssTransport({
        bucket: 'bkt',
        key: 'role/object.bin',
        region: 'cn-hangzhou',
        endpoint: store.url,
        credentials,
      }),
      target,
      checkpoint: new MemoryCheckpointStore(),
      partSize: 512 * 1024,
      concurrency: 2,
    })
    assert.equal(crc64('crc64xz', target.committed ?? new Uint8Array()), crc64('crc64xz', bytes))
    assert.ok(store.oss.served.log.length >= 3)
    for (const r of store.oss.served.log)
      assert.equal(r.headers['x-oss-security-token'], keys.sessionToken)
  } finally {
    await store.close()
  }
}
