import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fetchWire } from '@resumable/transport-fetch'

// The fetch wire follows redirects with the shared loop over `redirect: 'manual'`, and falls back
// to the runtime's own following, once per wire, where a manual redirect comes back opaque (a
// browser). A request that is not redirected costs one fetch, as before.

interface Call {
  readonly url: string
  readonly redirect: RequestRedirect | undefined
}

/** What a browser answers to `redirect: 'manual'`: no status, no headers, no Location. */
function opaqueRedirect(): Response {
  return Object.defineProperties(new Response(null), {
    type: { value: 'opaqueredirect' },
    status: { value: 0 },
  })
}

describe('fetchWire redirects', () => {
  it('a request that is not redirected is one fetch, sent with redirect: manual', async () => {
    const calls: Call[] = []
    const wire = fetchWire(async (url, init) => {
      calls.push({ url, redirect: init.redirect })
      return new Response('abc', { status: 200 })
    })
    const response = await wire.send({ method: 'GET', url: 'https://a.example/x', headers: {} })
    assert.equal(response.status, 200)
    assert.deepEqual(calls, [{ url: 'https://a.example/x', redirect: 'manual' }])
  })

  it('follows a readable 3xx itself and drops authorization when the origin changes', async () => {
    const seen: (string | null)[] = []
    const wire = fetchWire(async (url, init) => {
      seen.push(new Headers(init.headers).get('authorization'))
      return url.startsWith('https://a.example')
        ? new Response(null, { status: 307, headers: { location: 'https://b.example/y' } })
        : new Response('ok', { status: 200 })
    })
    const response = await wire.send({
      method: 'GET',
      url: 'https://a.example/x',
      headers: { authorization: 'Bearer t' },
    })
    assert.equal(response.status, 200)
    assert.deepEqual(seen, ['Bearer t', null])
  })

  it('where a manual redirect is opaque (a browser), sends that request again with redirect: follow, and follows natively from then on', async () => {
    const calls: Call[] = []
    const wire = fetchWire(async (url, init) => {
      calls.push({ url, redirect: init.redirect })
      return init.redirect === 'manual' ? opaqueRedirect() : new Response('ok', { status: 200 })
    })
    const first = await wire.send({ method: 'GET', url: 'https://a.example/1', headers: {} })
    assert.equal(first.status, 200)
    const second = await wire.send({ method: 'GET', url: 'https://a.example/2', headers: {} })
    assert.equal(second.status, 200)
    assert.deepEqual(calls, [
      { url: 'https://a.example/1', redirect: 'manual' },
      { url: 'https://a.example/1', redirect: 'follow' },
      { url: 'https://a.example/2', redirect: 'follow' },
    ])
  })

  it("a request's own redirect: manual is passed through and hands the 3xx back", async () => {
    const calls: Call[] = []
    const wire = fetchWire(async (url, init) => {
      calls.push({ url, redirect: init.redirect })
      return new Response(null, { status: 302, headers: { location: '/elsewhere' } })
    })
    const response = await wire.send({
      method: 'HEAD',
      url: 'https://a.example/x',
      headers: {},
      redirect: 'manual',
    })
    assert.equal(response.status, 302)
    assert.deepEqual(calls, [{ url: 'https://a.example/x', redirect: 'manual' }])
  })
})
