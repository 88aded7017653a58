import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError } from '@resumable/core'
import { redactText } from '@resumable/core/http'
import { makeBytes } from '@resumable/testkit'
import {
  createOssTransport,
  createS3Transport,
  createUrlTransport,
  presignOssUrl,
} from '../src/index.ts'
import { errorXml, fakeFetch, objectServer, streamOf } from './helpers/fake-fetch.ts'

const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY'
const TOKEN = 'CAISzgJ1q6Ft5B2yfSjIr5bTSTSTOKENVALUE'
const creds = { accessKeyId: 'LTAI5tAccessKeyId', secretAccessKey: SECRET, sessionToken: TOKEN }
const SIGNED_URL =
  'https://bkt.oss-cn-hangzhou.aliyuncs.com/dir/k.bin?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=LTAI5tAccessKeyId%2F20261124%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20261124T000000Z&x-oss-expires=3600&x-oss-security-token=SIGNEDTOKEN123456&x-oss-signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'

/** Everything a user could print about an error: message, toString, and the whole cause chain. */
function printable(error: unknown): string {
  const out: string[] = []
  let e: unknown = error
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof Error) {
      out.push(String(e), e.message, e.stack ?? '', JSON.stringify(e))
      e = e.cause
    } else {
      out.push(String(e))
      break
    }
  }
  return out.join('\n')
}

function assertClean(text: string): void {
  for (const secret of [
    SECRET,
    TOKEN,
    'SIGNEDTOKEN123456',
    '0123456789abcdef0123456789abcdef',
    'x-oss-credential=LTAI',
    'OSS4-HMAC-SHA256 Credential',
    'AWS4-HMAC-SHA256 Credential',
  ]) {
    assert.ok(!text.includes(secret), `leaked ${secret} in:\n${text}`)
  }
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (error) {
    return error
  }
  assert.fail('expected a rejection')
}

describe('redaction', () => {
  it('the id of a presigned URL has no query string', () => {
    const t = createUrlTransport({ url: SIGNED_URL })
    assert.equal(t.id, 'https://bkt.oss-cn-hangzhou.aliyuncs.com/dir/k.bin')
    assert.equal(String(t), 'FetchTransport(https://bkt.oss-cn-hangzhou.aliyuncs.com/dir/k.bin)')
    assertClean(JSON.stringify(t))
    assert.equal(
      createUrlTransport({ url: 'https://user:pa55word@h.example/f' }).id,
      'https://h.example/f',
    )
  })

  it('OSS and S3 transports print no credentials', () => {
    for (const t of [
      createOssTransport({ bucket: 'bkt', key: 'k', region: 'cn-hangzhou', credentials: creds }),
      createS3Transport({ bucket: 'bkt', key: 'k', region: 'us-east-1', credentials: creds }),
    ]) {
      assertClean(`${t} ${JSON.stringify(t)} ${Object.keys(t).join()} ${t.id}`)
    }
  })

  it('network errors with a runtime message quoting the signed URL are redacted, cause chain included', async () => {
    // Deno's error for a DNS failure quotes the full URL.
    const f = fakeFetch(() => {
      throw new TypeError('fetch failed', {
        cause: new Error(`error sending request for url (${SIGNED_URL}): client error (Connect)`),
      })
    })
    const error = await caught(createUrlTransport({ url: SIGNED_URL, fetch: f }).stat())
    assert.ok(isTransportError(error))
    assertClean(printable(error))
    assert.match(printable(error), /client error \(Connect\)/)
  })

  it('HTTP errors in signed modes never show the Authorization header or the secret', async () => {
    const f = fakeFetch(
      (r) =>
        new Response(
          errorXml({
            Code: 'SignatureDoesNotMatch',
            Message: `The request signature we calculated does not match. Authorization: ${r.headers.get('authorization')} secret ${SECRET}`,
          }),
          { status: 403 },
        ),
    )
    for (const t of [
      createOssTransport({
        bucket: 'bkt',
        key: 'k',
        region: 'cn-hangzhou',
        credentials: creds,
        fetch: f,
      }),
      createS3Transport({
        bucket: 'bkt',
        key: 'k',
        region: 'us-east-1',
        credentials: creds,
        fetch: f,
      }),
    ]) {
      const error = await caught(t.read({ start: 0, end: 1, object: { size: 10 } }))
      assert.ok(isTransportError(error))
      assertClean(printable(error))
    }
  })

  it('body failures and 404s on a presigned URL name only the id', async () => {
    const bytes = makeBytes(100)
    const f = fakeFetch(
      () =>
        new Response(
          streamOf([bytes.slice(0, 10)], { error: new TypeError(`terminated ${SIGNED_URL}`) }),
          {
            status: 206,
            headers: { 'content-range': 'bytes 0-99/100' },
          },
        ),
    )
    const r = await createUrlTransport({ url: SIGNED_URL, fetch: f }).read({
      start: 0,
      end: 99,
      object: { size: 100 },
    })
    const error = await caught(
      (async () => {
        for await (const _ of r.body as AsyncIterable<Uint8Array>);
      })(),
    )
    assertClean(printable(error))
    const missing = fakeFetch(() => new Response('not here', { status: 404 }))
    const e404 = await caught(createUrlTransport({ url: SIGNED_URL, fetch: missing }).stat())
    assertClean(printable(e404))
    assert.match(String(e404), /https:\/\/bkt\.oss-cn-hangzhou\.aliyuncs\.com\/dir\/k\.bin/)
  })

  it('extra URL-mode headers (bearer tokens) never appear', async () => {
    const bearer = 'Bearer eyJhbGciOiJIUzI1NiJ9.SECRETPAYLOAD'
    const f = fakeFetch(() => {
      throw new TypeError(`fetch failed: header authorization=${bearer}`)
    })
    const error = await caught(
      createUrlTransport({
        url: 'https://h.example/f',
        headers: { authorization: bearer },
        fetch: f,
      }).stat(),
    )
    assert.ok(!printable(error).includes('SECRETPAYLOAD'))
  })

  it('redactText masks query strings, userinfo, auth header values and signing parameters', () => {
    assert.equal(
      redactText(`GET ${SIGNED_URL} failed`),
      'GET https://bkt.oss-cn-hangzhou.aliyuncs.com/dir/k.bin?<redacted> failed',
    )
    assert.equal(redactText('see https://u:p@h.example/x'), 'see https://<redacted>@h.example/x')
    assert.equal(
      redactText(
        'Authorization: AWS4-HMAC-SHA256 Credential=AK/x, SignedHeaders=host, Signature=abc',
      ),
      'Authorization: AWS4-HMAC-SHA256 <redacted>',
    )
    assert.equal(
      redactText('X-Amz-Signature=abcd&X-Amz-Security-Token=tok'),
      'X-Amz-Signature=<redacted>&X-Amz-Security-Token=<redacted>',
    )
    assert.equal(redactText(`token ${TOKEN}!`, [TOKEN]), 'token <redacted>!')
    assert.equal(
      redactText('Authorization: OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M='),
      'Authorization: OSS <redacted>',
    )
    assert.equal(redactText('the OSS endpoint failed'), 'the OSS endpoint failed')
  })

  it('a presigned URL from presignOssUrl, used in URL mode, keeps its signature out of errors', async () => {
    const url = await presignOssUrl({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      credentials: creds,
    })
    const f = fakeFetch(objectServer({ bytes: makeBytes(10), headers: {} }))
    const t = createUrlTransport({ url, fetch: f })
    assert.equal(t.id, 'https://bkt.oss-cn-hangzhou.aliyuncs.com/k')
    assert.equal((await t.stat()).size, 10)
    assert.equal(f.calls[0]?.url.href, url, 'the signed URL is sent unchanged')
  })
})
