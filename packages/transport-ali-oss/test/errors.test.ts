import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError, type TransportError } from '@resumable/core'
import { type AliOssClient, createAliOssTransport } from '../src/index.ts'
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, assertNoSecrets } from './helpers/setup.ts'

const STS_TOKEN = 'CAIS-sts-token-that-must-stay-secret-0123456789'

/** A client double whose calls fail with `error`, as ali-oss would throw it. */
function failing(error: unknown): AliOssClient {
  return {
    options: {
      bucket: 'examplebucket',
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: ACCESS_KEY_SECRET,
      stsToken: STS_TOKEN,
    },
    head: () => Promise.reject(error),
    getStream: () => Promise.reject(error),
  }
}

function aliError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields)
}

async function statError(error: unknown): Promise<TransportError> {
  const caught = await createAliOssTransport(failing(error), 'k')
    .stat()
    .then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    )
  assert.ok(isTransportError(caught))
  const shown = `${caught.message} ${String(caught.cause)} ${JSON.stringify(caught)}`
  assertNoSecrets(shown)
  assert.ok(!shown.includes(STS_TOKEN), 'STS token leaked')
  return caught
}

describe('error mapping', () => {
  it('maps urllib network errors and strips the URL and headers urllib appends', async () => {
    const error = await statError(
      aliError(
        `connect ECONNRESET 1.2.3.4:443, HEAD https://examplebucket.oss-cn-hangzhou.aliyuncs.com/k?OSSAccessKeyId=${ACCESS_KEY_ID}&Signature=abc%3D -1 (connected: false)\nheaders: {"authorization":"OSS ${ACCESS_KEY_ID}:c2lnbmF0dXJl"}`,
        { name: 'RequestError', status: -1, code: 'RequestError', requestId: 17 },
      ),
    )
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.equal(error.requestId, undefined, "urllib's numeric request counter is not OSS's id")
    assert.match(error.message, /: the connection was reset \(ECONNRESET\)$/)
  })

  it('maps ali-oss timeouts', async () => {
    for (const [name, status] of [
      ['ConnectionTimeoutError', -2],
      ['ResponseTimeoutError', undefined],
      ['SocketAssignTimeoutError', -2],
    ] as const) {
      const error = await statError(aliError(`${name}: timed out`, { name, status }))
      assert.equal(error.kind, 'timeout', name)
      assert.equal(error.retryable, true)
    }
  })

  it('masks credentials wherever they appear', async () => {
    const error = await statError(
      aliError(
        `The request signature we calculated does not match\nraw xml: <Error><SignatureProvided>c2ln</SignatureProvided><OSSAccessKeyId>${ACCESS_KEY_ID}</OSSAccessKeyId></Error> ${ACCESS_KEY_SECRET} ${STS_TOKEN}`,
        { name: 'SignatureDoesNotMatchError', status: 403, code: 'SignatureDoesNotMatch' },
      ),
    )
    assert.equal(error.kind, 'auth')
    assert.equal(error.code, 'SignatureDoesNotMatch')
  })

  it('treats a failure without a response as a setup error, not a retry', async () => {
    const error = await statError(new TypeError('refreshSTSToken returned nothing'))
    assert.equal(error.kind, 'invalid-request')
    assert.equal(error.retryable, false)
  })

  it('maps by status when ali-oss has no code', async () => {
    for (const [status, kind] of [
      [400, 'invalid-request'],
      [401, 'auth'],
      [403, 'forbidden'],
      [404, 'not-found'],
      [408, 'timeout'],
      [412, 'precondition-failed'],
      [416, 'range-not-satisfiable'],
      [429, 'throttled'],
      [500, 'server'],
      [502, 'server'],
      [503, 'throttled'],
    ] as const) {
      const error = await statError(
        aliError(`Unknow error, status: ${status}`, {
          name: 'UnknownError',
          status,
          res: { headers: { 'x-oss-request-id': 'RID', 'x-oss-ec': '0000-1', 'retry-after': '3' } },
        }),
      )
      assert.equal(error.kind, kind, String(status))
      assert.equal(error.requestId, 'RID')
      assert.equal(error.ec, '0000-1')
      assert.equal(error.retryAfterMs, 3000)
      assert.doesNotMatch(error.message, /Unknow error/)
    }
  })

  it('keeps the server message, Code, RequestId, HostId and EC of parsed OSS errors', async () => {
    const error = await statError(
      aliError('Please reduce your request rate.', {
        name: 'ServiceUnavailableError',
        status: 503,
        code: 'ServiceUnavailable',
        requestId: '5C3D9175B6FC201293AD****',
        hostId: 'examplebucket.oss-cn-hangzhou.aliyuncs.com',
        ecCode: '0003-00000801',
      }),
    )
    assert.equal(error.kind, 'throttled')
    assert.equal(error.code, 'ServiceUnavailable')
    assert.equal(error.requestId, '5C3D9175B6FC201293AD****')
    assert.equal(error.hostId, 'examplebucket.oss-cn-hangzhou.aliyuncs.com')
    assert.equal(error.ec, '0003-00000801')
    assert.match(error.message, /OSS is throttling requests \(Please reduce your request rate\.\)/)
    assert.match(error.message, /RequestId 5C3D9175B6FC201293AD\*\*\*\*/)
  })
})
