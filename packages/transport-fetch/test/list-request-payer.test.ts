import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError, type ListedObject, type Lister, OptionsError } from '@resumable/core'
import { createMockFetch, MockOss } from '@resumable/testkit'
import { createOssLister, createS3Lister, type FetchLike } from '../src/index.ts'

// Listing a requester-pays bucket: `requestPayer` sends the payer header on every page, signed
// (the mock verifies OSS V4 and SigV4 signatures, and refuses a page without the header).

const CREDENTIALS = { accessKeyId: 'LTAI-payer', secretAccessKey: 'payer-secret-value' }
const BUCKET = 'payerbucket'
const HEADER = { oss: 'x-oss-request-payer', s3: 'x-amz-request-payer' } as const

function requesterPaysBucket(): MockOss {
  const oss = new MockOss({ credentials: CREDENTIALS })
  oss.createBucket(BUCKET, { requesterPays: true })
  for (const key of ['data/a', 'data/b', 'data/c'])
    oss.putObject(BUCKET, key, { bytes: new TextEncoder().encode(key) })
  return oss
}

async function keys(lister: Lister): Promise<string[]> {
  const out: ListedObject[] = []
  for await (const object of lister.list()) out.push(object)
  return out.map((o) => o.key)
}

/** The mock's fetch, with the payer header's value changed after signing when `tamper` is set. */
function mockFetch(oss: MockOss, mode: 'oss' | 's3', tamper = false): FetchLike {
  const mock = createMockFetch(oss)
  return (input, init) => {
    if (!tamper) return mock(input, init)
    const headers = new Headers(init.headers)
    if (headers.has(HEADER[mode])) headers.set(HEADER[mode], 'REQUESTER')
    return mock(input, { ...init, headers })
  }
}

function lister(
  mode: 'oss' | 's3',
  oss: MockOss,
  options: { requestPayer?: boolean; anonymous?: boolean; tamper?: boolean } = {},
): Lister {
  const { tamper, ...rest } = options
  const common = {
    bucket: BUCKET,
    prefix: 'data/',
    maxKeys: 2,
    retries: 0,
    fetch: mockFetch(oss, mode, tamper),
    ...(rest.anonymous ? {} : { credentials: CREDENTIALS }),
    ...rest,
  }
  return mode === 'oss'
    ? createOssLister({
        ...common,
        endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
        region: 'cn-hangzhou',
      })
    : createS3Lister({ ...common, endpoint: 'http://127.0.0.1:9000' })
}

for (const mode of ['oss', 's3'] as const) {
  describe(`${mode} lister requestPayer`, () => {
    it(`sends ${HEADER[mode]}: requester on every page, signed, and lists a requester-pays bucket`, async () => {
      const oss = requesterPaysBucket()
      assert.deepEqual(await keys(lister(mode, oss, { requestPayer: true })), [
        'data/a',
        'data/b',
        'data/c',
      ])
      const pages = oss.served.log
      assert.equal(pages.length, 2, 'two pages of two keys')
      for (const page of pages) {
        assert.equal(page.status, 200)
        assert.equal(page.headers[HEADER[mode]], 'requester')
        if (mode === 's3')
          assert.match(
            page.headers.authorization ?? '',
            /SignedHeaders=[^,]*\bx-amz-request-payer\b/,
          )
      }
    })

    it('the header is covered by the signature: changed on the way, the store refuses it', async () => {
      const oss = requesterPaysBucket()
      await assert.rejects(
        keys(lister(mode, oss, { requestPayer: true, tamper: true })),
        (error: unknown) => {
          assert.ok(isTransportError(error))
          assert.equal(error.code, 'SignatureDoesNotMatch')
          return true
        },
      )
    })

    it('without it, the requester-pays bucket refuses the listing (403 AccessDenied)', async () => {
      const oss = requesterPaysBucket()
      await assert.rejects(keys(lister(mode, oss)), (error: unknown) => {
        assert.ok(isTransportError(error))
        assert.equal(error.status, 403)
        assert.equal(error.code, 'AccessDenied')
        return true
      })
      assert.equal(oss.served.log[0]?.headers[HEADER[mode]], undefined)
    })

    it('refuses requestPayer with anonymous (OptionsError): such a bucket refuses unsigned requests', () => {
      assert.throws(
        () => lister(mode, requesterPaysBucket(), { requestPayer: true, anonymous: true }),
        (error: unknown) => error instanceof OptionsError && /requestPayer/.test(error.message),
      )
    })
  })
}
