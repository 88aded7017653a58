import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ListedObject, Lister } from '@resumable/core'
import { createMockFetch, MockOss } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { createS3Lister, fetchWire, type Wire, type WireRequest } from '../src/index.node.ts'
import { checkProxyVariables, ProxyVariableError } from '../src/wire/proxy.ts'

const CREDENTIALS = { accessKeyId: 'LTAI-list', secretAccessKey: 'list-secret-value' }
const BUCKET = 'examplebucket'
const oss = new MockOss({ credentials: CREDENTIALS })
for (const key of ['data/a', 'data/b', 'data/c'])
  oss.putObject(BUCKET, key, { bytes: new TextEncoder().encode(key) })

async function keys(lister: Lister): Promise<string[]> {
  const out: ListedObject[] = []
  for await (const object of lister.list()) out.push(object)
  return out.map((o) => o.key)
}

let server: MockOssServer
before(async () => {
  server = await startMockOss({ oss })
})
after(async () => {
  await server.close()
})

describe('the wire a lister reads through', () => {
  it('lists through the Node wire on the Node entry, as its transports do (global fetch never called)', async () => {
    const saved = globalThis.fetch
    globalThis.fetch = (() => {
      throw new Error('global fetch was used')
    }) as typeof fetch
    try {
      const lister = createS3Lister({
        bucket: BUCKET,
        prefix: 'data/',
        endpoint: server.url,
        credentials: CREDENTIALS,
        forcePathStyle: true,
      })
      assert.deepEqual(await keys(lister), ['data/a', 'data/b', 'data/c'])
    } finally {
      globalThis.fetch = saved
    }
  })

  it('asks every wire not to follow redirects: its requests are signed', async () => {
    const seen: WireRequest['redirect'][] = []
    const inner = fetchWire(createMockFetch(oss))
    const wire: Wire = {
      send: (request) => {
        seen.push(request.redirect)
        return inner.send(request)
      },
    }
    const lister = createS3Lister({
      bucket: BUCKET,
      prefix: 'data/',
      endpoint: 'http://127.0.0.1:9000',
      credentials: CREDENTIALS,
      maxKeys: 1,
      wire,
    })
    assert.equal((await keys(lister)).length, 3)
    assert.deepEqual(seen, ['manual', 'manual', 'manual'])
  })
})

describe('checkProxyVariables (what defaultNodeWire refuses)', () => {
  const refusal = (env: Record<string, string>): ProxyVariableError => {
    try {
      checkProxyVariables(env)
    } catch (error) {
      assert.ok(error instanceof ProxyVariableError)
      return error
    }
    assert.fail('no refusal')
  }

  it('names the variable a malformed URL was read from, never its value', () => {
    assert.equal(
      refusal({ http_proxy: 'not a url' }).message,
      'http_proxy is not a valid proxy URL',
    )
    const upper = refusal({ HTTPS_PROXY: 'https://user:hunter2@proxy.example:8080' })
    assert.equal(upper.variable, 'HTTPS_PROXY')
    assert.match(upper.message, /^HTTPS_PROXY: https:\/\/ proxies are not supported/)
    const all = refusal({ ALL_PROXY: 'http://user:hunter2@' })
    assert.equal(all.message, 'ALL_PROXY is not a valid proxy URL')
    for (const e of [upper, all]) assert.doesNotMatch(e.message, /hunter2/)
  })

  it('looks only at the variables that are used: a shadowed or CGI-ignored one is not refused', () => {
    checkProxyVariables({ http_proxy: 'http://ok:1', HTTP_PROXY: 'not a url', https_proxy: 'ok:2' })
    checkProxyVariables({ REQUEST_METHOD: 'GET', HTTP_PROXY: 'not a url' })
    checkProxyVariables({})
  })
})
