import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError, type TransportError } from '@resumable/core'
import { parseErrorXml, parseOssErrHeader, parseRetryAfter } from '@resumable/core/http'
import { makeBytes } from '@resumable/testkit'
import { createOssTransport, createS3Transport, createUrlTransport } from '../src/index.ts'
import { errorXml, fakeFetch, objectServer, type SeenRequest } from './helpers/fake-fetch.ts'

const AK = { accessKeyId: 'LTAI5tExampleId', secretAccessKey: 'SecretExampleValue123' }
const INFO = { size: 100, etag: '"E"' }

function oss(handler: (r: SeenRequest) => Response | Promise<Response>) {
  const f = fakeFetch(handler)
  return {
    f,
    t: createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      credentials: AK,
      fetch: f,
    }),
  }
}

async function failure(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p
  } catch (error) {
    assert.ok(isTransportError(error), `expected a TransportError, got ${String(error)}`)
    return error
  }
  assert.fail('expected a rejection')
}

function xmlResponse(
  status: number,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return new Response(errorXml(fields), {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
  })
}

describe('error bodies', () => {
  it('parses an OSS error document with EC, namespace and entities', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Error xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
  <Code>NoSuchKey</Code>
  <Message>The specified key does not exist &amp; never did.</Message>
  <RequestId>57ABD896CCB80C366955****</RequestId>
  <HostId>oss-example.oss-cn-hangzhou.aliyuncs.com</HostId>
  <Key>k</Key>
  <EC>0026-00000001</EC>
  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0026-00000001</RecommendDoc>
</Error>`
    assert.deepEqual(parseErrorXml(xml), {
      code: 'NoSuchKey',
      message: 'The specified key does not exist & never did.',
      requestId: '57ABD896CCB80C366955****',
      hostId: 'oss-example.oss-cn-hangzhou.aliyuncs.com',
      ec: '0026-00000001',
    })
  })

  it('parses an S3 error document', () => {
    assert.deepEqual(
      parseErrorXml(
        errorXml({
          Code: 'SlowDown',
          Message: 'Please reduce your request rate.',
          RequestId: 'R1',
          HostId: 'H1',
        }),
      ),
      {
        code: 'SlowDown',
        message: 'Please reduce your request rate.',
        requestId: 'R1',
        hostId: 'H1',
      },
    )
    assert.equal(parseErrorXml('<html>bad gateway</html>'), undefined)
  })

  it("decodes OSS's base64 x-oss-err header (HEAD has no body)", () => {
    const header = btoa(
      errorXml({ Code: 'AccessDenied', Message: 'denied', RequestId: 'R2', EC: '0003-00000001' }),
    )
    assert.deepEqual(parseOssErrHeader(header), {
      code: 'AccessDenied',
      message: 'denied',
      requestId: 'R2',
      ec: '0003-00000001',
    })
    assert.equal(parseOssErrHeader('%%%not base64'), undefined)
  })

  it('parses Retry-After as seconds or as an HTTP date against the response Date', () => {
    assert.equal(parseRetryAfter('3', undefined), 3000)
    assert.equal(
      parseRetryAfter('Wed, 21 Oct 2026 07:28:10 GMT', 'Wed, 21 Oct 2026 07:28:00 GMT'),
      10000,
    )
    assert.equal(parseRetryAfter('soon', undefined), undefined)
    assert.equal(parseRetryAfter(undefined, undefined), undefined)
  })
})

describe('status and code mapping', () => {
  const cases: [string, number, Record<string, string> | undefined, string, boolean][] = [
    ['NoSuchKey', 404, { Code: 'NoSuchKey' }, 'not-found', false],
    ['AccessDenied', 403, { Code: 'AccessDenied' }, 'forbidden', false],
    ['SignatureDoesNotMatch', 403, { Code: 'SignatureDoesNotMatch' }, 'auth', false],
    ['InvalidAccessKeyId', 403, { Code: 'InvalidAccessKeyId' }, 'auth', false],
    ['SecurityTokenExpired (static keys)', 403, { Code: 'SecurityTokenExpired' }, 'auth', false],
    ['InvalidObjectState', 403, { Code: 'InvalidObjectState' }, 'archived', false],
    ['PreconditionFailed', 412, { Code: 'PreconditionFailed' }, 'precondition-failed', false],
    // A range inside the size stat gave, guarded by If-Match, without a Content-Range: a store fault.
    ['InvalidRange inside the object', 416, { Code: 'InvalidRange' }, 'server', true],
    ['S3 SlowDown', 503, { Code: 'SlowDown' }, 'throttled', true],
    ['OSS TotalQpsLimitExceeded', 503, { Code: 'TotalQpsLimitExceeded' }, 'throttled', true],
    [
      'OSS DownloadTrafficRateLimitExceeded',
      503,
      { Code: 'DownloadTrafficRateLimitExceeded' },
      'throttled',
      true,
    ],
    ['429 without body', 429, undefined, 'throttled', true],
    ['InternalError', 500, { Code: 'InternalError' }, 'server', true],
    ['502 without body', 502, undefined, 'server', true],
    ['RequestTimeout (400)', 400, { Code: 'RequestTimeout' }, 'timeout', true],
    ['InvalidArgument', 400, { Code: 'InvalidArgument' }, 'invalid-request', false],
  ]
  for (const [name, status, fields, kind, retryable] of cases) {
    it(`${name} → ${kind}${retryable ? ' (retryable)' : ''}`, async () => {
      const { t } = oss(() =>
        fields
          ? xmlResponse(status, {
              ...fields,
              Message: 'store says no',
              RequestId: 'RID',
              HostId: 'HID',
              EC: '0000-1',
            })
          : new Response(null, { status }),
      )
      const error = await failure(t.read({ start: 0, end: 9, object: INFO }))
      assert.equal(error.kind, kind)
      assert.equal(error.retryable, retryable)
      assert.equal(error.status, status)
      if (fields) {
        assert.equal(error.code, fields.Code)
        assert.equal(error.requestId, 'RID')
        assert.equal(error.hostId, 'HID')
        assert.equal(error.ec, '0000-1')
        assert.match(error.message, /store says no/)
      }
    })
  }

  it('passes Retry-After through as retryAfterMs', async () => {
    const { t } = oss(() => xmlResponse(503, { Code: 'SlowDown' }, { 'retry-after': '2' }))
    const error = await failure(t.read({ start: 0, end: 9, object: INFO }))
    assert.equal(error.retryAfterMs, 2000)
  })

  it('reads HEAD errors from x-oss-err and the request-id headers', async () => {
    const { t } = oss(
      () =>
        new Response(null, {
          status: 404,
          headers: {
            'x-oss-request-id': 'HEADRID',
            'x-oss-err': btoa(
              errorXml({ Code: 'NoSuchKey', Message: 'gone', EC: '0026-00000001' }),
            ),
          },
        }),
    )
    const error = await failure(t.stat())
    assert.equal(error.kind, 'not-found')
    assert.equal(error.code, 'NoSuchKey')
    assert.equal(error.requestId, 'HEADRID')
    assert.equal(error.ec, '0026-00000001')
  })

  it('tells the user to restore an archived object (InvalidObjectState)', async () => {
    const { t } = oss(() =>
      xmlResponse(403, {
        Code: 'InvalidObjectState',
        Message: "The operation is not valid for the object's state",
      }),
    )
    const error = await failure(t.read({ start: 0, end: 9, object: INFO }))
    assert.equal(error.kind, 'archived')
    assert.match(error.message, /restore it first/)
  })

  it('an expired STS token is retryable when a provider can hand out a fresh one', async () => {
    const f = fakeFetch(() => xmlResponse(403, { Code: 'SecurityTokenExpired' }))
    const t = createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      credentials: () => ({ ...AK, sessionToken: 'tok-123456789' }),
      fetch: f,
    })
    const error = await failure(t.read({ start: 0, end: 9, object: INFO }))
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, true)
  })

  it('RequestTimeTooSkewed: retryable auth, and the next request is signed with the server clock', async () => {
    const serverTime = Date.now() + 3 * 3600 * 1000
    let n = 0
    const { t, f } = oss(() =>
      n++ === 0
        ? xmlResponse(
            403,
            { Code: 'RequestTimeTooSkewed' },
            { date: new Date(serverTime).toUTCString() },
          )
        : objectServer({ bytes: makeBytes(100), headers: { etag: '"E"' } })({
            method: 'HEAD',
            headers: new Headers(),
          } as SeenRequest),
    )
    const error = await failure(t.stat())
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, true)
    assert.match(error.message, /clock/)
    await t.stat()
    const signed = f.calls[1]?.headers.get('x-oss-date') ?? ''
    const at = Date.parse(
      signed.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
    )
    assert.ok(Math.abs(at - serverTime) < 5000, `signed at ${signed}`)
  })

  it('a 403 on HEAD with a far-off Date is taken as clock skew (S3 HEAD has no code)', async () => {
    const f = fakeFetch(
      () =>
        new Response(null, {
          status: 403,
          headers: { date: new Date(Date.now() - 3600_000).toUTCString() },
        }),
    )
    const t = createS3Transport({
      bucket: 'bkt',
      key: 'k',
      region: 'us-east-1',
      credentials: AK,
      fetch: f,
    })
    const error = await failure(t.stat())
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, true)
  })

  it('a redirect in a signed mode is not followed and says to check the endpoint', async () => {
    const f = fakeFetch(
      () => new Response(null, { status: 301, headers: { location: 'https://elsewhere/' } }),
    )
    const t = createS3Transport({
      bucket: 'bkt',
      key: 'k',
      region: 'us-east-1',
      credentials: AK,
      fetch: f,
    })
    const error = await failure(t.stat())
    assert.equal(error.kind, 'invalid-request')
    assert.match(error.message, /region or endpoint/)
  })
})

describe('network failures and aborts', () => {
  it('a fetch TypeError becomes a retryable network error', async () => {
    const { t } = oss(() => {
      throw new TypeError('fetch failed', { cause: new Error('read ECONNRESET') })
    })
    const error = await failure(t.read({ start: 0, end: 9, object: INFO }))
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.match(String((error.cause as Error).cause), /ECONNRESET/)
  })

  it('says why fetch failed: undici\'s cause (ECONNREFUSED) is in the message, once, not nested in "fetch failed"', async () => {
    const { t } = oss(() => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
          code: 'ECONNREFUSED',
        }),
      })
    })
    const error = await failure(t.stat())
    assert.match(error.message, /: the connection was refused \(ECONNREFUSED\)$/)
  })

  it("rethrows the caller's abort reason unwrapped, before and during the request", async () => {
    const reason = new Error('user pressed pause')
    const before = new AbortController()
    before.abort(reason)
    const { t } = oss(() => new Promise<Response>(() => undefined))
    await assert.rejects(
      t.read({ start: 0, end: 9, object: INFO, signal: before.signal }),
      (e) => e === reason,
    )
    const during = new AbortController()
    const f = fakeFetch(
      (r) =>
        new Promise<Response>((_, reject) =>
          r.signal?.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError')),
          ),
        ),
    )
    const t2 = createUrlTransport({ url: 'https://example.com/x', fetch: f })
    const p = t2.read({ start: 0, end: 9, object: INFO, signal: during.signal })
    during.abort(reason)
    await assert.rejects(p, (e) => e === reason)
  })
})
