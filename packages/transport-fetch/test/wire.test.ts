import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError } from '@resumable/core'
import { collect } from '@resumable/testkit'
import {
  createOssTransport,
  createUrlTransport,
  fetchWire,
  type Wire,
  type WireRequest,
  type WireResponse,
} from '../src/index.ts'
import { fakeFetch } from './helpers/fake-fetch.ts'

const AK = { accessKeyId: 'LTAI5tExampleId', secretAccessKey: 'SecretExampleValue123' }

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

/** What the table wire answers with. */
interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body?: Uint8Array
}

/** A wire that answers from a table and records what it was asked; it lists no header names. */
function tableWire(answer: (r: WireRequest) => Answer) {
  const seen: WireRequest[] = []
  let discarded = 0
  const wire: Wire = {
    async send(request) {
      seen.push(request)
      const { status, headers, body } = answer(request)
      const response: WireResponse = {
        status,
        header: (name) => headers[name],
        body: once(body ?? new Uint8Array(0)),
        discard: async () => {
          discarded++
        },
      }
      return response
    },
  }
  return { wire, seen, discarded: () => discarded }
}

describe('wire seam', () => {
  it('a transport given a wire sends through it only: signed, lower-case headers, final URL', async () => {
    const f = fakeFetch(() => assert.fail('fetch must not be called when a wire is given'))
    const bytes = new Uint8Array([1, 2, 3, 4])
    const w = tableWire(
      (r): Answer =>
        r.method === 'HEAD'
          ? { status: 200, headers: { 'content-length': '4', etag: '"E"', 'x-oss-meta-a': '1' } }
          : {
              status: 206,
              headers: { 'content-range': 'bytes 0-3/4', 'content-length': '4' },
              body: bytes,
            },
    )
    const t = createOssTransport({
      bucket: 'bkt',
      key: 'dir/k',
      region: 'cn-hangzhou',
      credentials: AK,
      fetch: f,
      wire: w.wire,
    })
    const info = await t.stat()
    assert.equal(info.size, 4)
    assert.equal(info.metadata, undefined, 'a wire that lists no header names yields no metadata')
    const r = await t.read({ start: 0, end: 3, object: info })
    assert.deepEqual(await collect(r.body), bytes)
    const [head, get] = w.seen
    assert.equal(head?.method, 'HEAD')
    assert.equal(head?.url, 'https://bkt.oss-cn-hangzhou.aliyuncs.com/dir/k')
    for (const name of Object.keys(get?.headers ?? {})) assert.equal(name, name.toLowerCase())
    assert.match(get?.headers.authorization ?? '', /^OSS4-HMAC-SHA256 Credential=LTAI5tExampleId\//)
    assert.equal(get?.headers.range, 'bytes=0-3')
    assert.equal(get?.headers['if-match'], '"E"')
    assert.equal(get?.headers['accept-encoding'], 'identity')
    assert.equal(f.calls.length, 0)
    assert.ok(w.discarded() >= 1, 'the HEAD body was discarded')
  })

  it("a wire's rejection is classified by the HTTP layer: an unknown host is not retried", async () => {
    const wire: Wire = {
      send: () =>
        Promise.reject(
          Object.assign(new Error('getaddrinfo ENOTFOUND nope.invalid'), { code: 'ENOTFOUND' }),
        ),
    }
    const error = await createUrlTransport({ url: 'https://nope.invalid/x', wire })
      .stat()
      .catch((e: unknown) => e)
    assert.ok(isTransportError(error))
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, false)
  })

  it('fetchWire passes method, headers and signal, follows redirects itself by default (fetch told manual), and lists header names', async () => {
    const seen: RequestInit[] = []
    const f = async (_url: string, init: RequestInit) => {
      seen.push(init)
      return new Response('abc', { status: 200, headers: { 'x-oss-meta-owner': 'alice' } })
    }
    const controller = new AbortController()
    const response = await fetchWire(f).send({
      method: 'GET',
      url: 'https://example.com/x',
      headers: { range: 'bytes=0-2' },
      signal: controller.signal,
    })
    assert.equal(seen[0]?.redirect, 'manual')
    assert.equal(seen[0]?.signal, controller.signal)
    assert.deepEqual(seen[0]?.headers, { range: 'bytes=0-2' })
    assert.equal(response.header('x-oss-meta-owner'), 'alice')
    assert.ok(
      [...(response as WireResponse & { headerNames(): Iterable<string> }).headerNames()].includes(
        'x-oss-meta-owner',
      ),
    )
    assert.equal(new TextDecoder().decode(await collect(response.body)), 'abc')
    await response.discard()
    await response.discard()
    await fetchWire(f, { redirect: 'manual' }).send({
      method: 'HEAD',
      url: 'https://example.com/x',
      headers: {},
    })
    assert.equal(seen[1]?.redirect, 'manual')
  })

  it('signed modes keep redirects unfollowed on the default wire, URL mode follows them', async () => {
    const urls: string[] = []
    const f = async (url: string, _init: RequestInit) => {
      urls.push(new URL(url).pathname)
      return url.includes('/moved')
        ? new Response(null, { status: 200, headers: { 'content-length': '1' } })
        : new Response(null, { status: 307, headers: { location: '/moved' } })
    }
    const oss = { bucket: 'bkt', key: 'k', region: 'cn-hangzhou', credentials: AK, fetch: f }
    await assert.rejects(createOssTransport(oss).stat())
    assert.deepEqual(urls, ['/k'])
    await createUrlTransport({ url: 'https://example.com/x', stat: 'head', fetch: f }).stat()
    assert.deepEqual(urls, ['/k', '/x', '/moved'])
  })
})
