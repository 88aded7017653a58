import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { followRedirects } from '../src/wire/redirects.ts'
import type { WireRequest, WireResponse } from '../src/wire/wire.ts'

// The redirect loop the Node wire and an origin-bound URL transport share, over a scripted server:
// which headers each hop carries, and what is refused.

/** A server answering each URL from `routes` (a Location, or 200), recording every hop it saw. */
function scripted(routes: Record<string, string | undefined>) {
  const hops: WireRequest[] = []
  const discarded: string[] = []
  const sendHop = async (hop: WireRequest): Promise<WireResponse> => {
    hops.push(hop)
    const location = routes[hop.url]
    return {
      status: location === undefined ? 200 : 302,
      header: (name) => (name === 'location' ? location : undefined),
      body: (async function* () {})(),
      async discard() {
        discarded.push(hop.url)
      },
    }
  }
  return { sendHop, hops, discarded }
}

const credentials = {
  authorization: 'Bearer t0ken-value',
  'private-token': 'gl-secret-value',
  'x-oss-date': '20261207T000000Z',
  accept: 'application/octet-stream',
  range: 'bytes=0-99',
}

describe('followRedirects', () => {
  it('keeps every header within the origin, drops credentials, signing headers and keepHome names on leaving it, and does not bring them back home', async () => {
    const server = scripted({
      'https://home.example/a': '/b',
      'https://home.example/b': 'https://cdn.example/c?sig=1',
      'https://cdn.example/c?sig=1': 'https://home.example/d',
    })
    const response = await followRedirects(
      server.sendHop,
      { method: 'GET', url: 'https://home.example/a', headers: credentials },
      new Set(['private-token']),
    )
    assert.equal(response.status, 200)
    assert.deepEqual(
      server.hops.map((hop) => [hop.url, Object.keys(hop.headers).sort().join(' ')]),
      [
        ['https://home.example/a', 'accept authorization private-token range x-oss-date'],
        ['https://home.example/b', 'accept authorization private-token range x-oss-date'],
        ['https://cdn.example/c?sig=1', 'accept range'],
        ['https://home.example/d', 'accept range'],
      ],
    )
    assert.ok(server.hops.every((hop) => hop.redirect === 'manual'))
    assert.deepEqual(
      server.discarded,
      server.hops.slice(0, 3).map((hop) => hop.url),
    )
  })

  it('treats another scheme or port as another origin', async () => {
    for (const away of ['http://home.example/x', 'https://home.example:8443/x']) {
      const server = scripted({ 'https://home.example/a': away })
      await followRedirects(
        server.sendHop,
        { method: 'HEAD', url: 'https://home.example/a', headers: credentials },
        new Set(['private-token']),
      )
      assert.deepEqual(Object.keys(server.hops[1]?.headers ?? {}).sort(), ['accept', 'range'], away)
    }
  })

  it('refuses a Location with a user name or password before sending anything to it', async () => {
    const server = scripted({ 'https://home.example/a': 'https://eve:pw@cdn.example/c' })
    await assert.rejects(
      followRedirects(server.sendHop, {
        method: 'GET',
        url: 'https://home.example/a',
        headers: {},
      }),
      (error: unknown) =>
        error instanceof TypeError &&
        /user name or password/.test(error.message) &&
        !error.message.includes('pw'),
    )
    assert.equal(server.hops.length, 1)
  })

  it('gives up after 20 hops, and refuses a scheme other than HTTP(S)', async () => {
    const loop = scripted({ 'https://home.example/a': '/a' })
    await assert.rejects(
      followRedirects(loop.sendHop, { method: 'GET', url: 'https://home.example/a', headers: {} }),
      /redirect count exceeded/,
    )
    assert.equal(loop.hops.length, 21)
    const ftp = scripted({ 'https://home.example/a': 'ftp://home.example/a' })
    await assert.rejects(
      followRedirects(ftp.sendHop, { method: 'GET', url: 'https://home.example/a', headers: {} }),
      /unsupported protocol ftp:/,
    )
  })
})
