import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isTransportError, OptionsError } from '@resumable/core'
import { collect, makeBytes } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { createUrlTransport, fetchWire } from '@resumable/transport-fetch'
import { nodeWire } from '@resumable/transport-fetch/node'

// `user:password@` in a URL, as curl and wget read it: HTTP Basic on every wire, over a real
// loopback socket, checked by what the server received.

const USER = 'usér'
const PASSWORD = 'p@ss:wörd-secret'
const EXPECTED = `Basic ${Buffer.from(`${USER}:${PASSWORD}`, 'utf8').toString('base64')}`
const bytes = makeBytes(100_000)
let server: MockOssServer
let elsewhere: MockOssServer
const seen: { path: string; authorization: string | null; url: string }[] = []
const seenElsewhere: {
  path: string
  authorization: string | null
  apiKey: string | null
  accept: string | null
}[] = []

before(async () => {
  elsewhere = await startMockOss({
    routes: (request) => {
      seenElsewhere.push({
        path: new URL(request.url).pathname,
        authorization: request.headers.get('authorization'),
        apiKey: request.headers.get('x-api-key'),
        accept: request.headers.get('accept'),
      })
      return undefined
    },
  })
  server = await startMockOss({
    routes: (request) => {
      const url = new URL(request.url)
      seen.push({
        path: url.pathname,
        authorization: request.headers.get('authorization'),
        url: request.url,
      })
      if (url.pathname === '/to-userinfo.bin')
        return new Response(null, {
          status: 302,
          headers: { location: `http://eve:planted-secret@${elsewhere.url.slice(7)}/pub/o.bin` },
        })
      if (url.pathname === '/moved-here.bin')
        return new Response(null, { status: 301, headers: { location: '/pub/o.bin' } })
      if (url.pathname === '/moved.bin')
        return new Response(null, {
          status: 302,
          headers: { location: `${elsewhere.url}/pub/o.bin` },
        })
      if (request.headers.get('authorization') !== EXPECTED)
        return new Response('who are you?', {
          status: 401,
          headers: { 'www-authenticate': 'Basic realm="files"' },
        })
      return undefined
    },
  })
  for (const s of [server, elsewhere]) {
    s.oss.createBucket('pub')
    s.oss.putObject('pub', 'o.bin', { bytes })
  }
})
after(async () => {
  await server.close()
  await elsewhere.close()
})

const credentialed = (path: string) =>
  `http://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@${server.url.slice('http://'.length)}${path}`

describe('URL mode: user:password@ in the URL', () => {
  for (const [name, wire] of [
    ['fetch wire', fetchWire()],
    ['node wire', nodeWire()],
  ] as const) {
    it(`${name}: sends HTTP Basic on every request and reads the object; the URL on the wire has no credentials`, async () => {
      seen.length = 0
      const transport = createUrlTransport({ url: credentialed('/pub/o.bin'), wire })
      const info = await transport.stat()
      assert.equal(info.size, bytes.length)
      const response = await transport.read({ start: 0, end: bytes.length - 1, object: info })
      assert.deepEqual(await collect(response.body), bytes)
      assert.ok(seen.length >= 2, `saw ${seen.length} requests`)
      for (const r of seen) {
        assert.equal(r.authorization, EXPECTED)
        assert.ok(!r.url.includes('@'), r.url)
      }
      assert.ok(!transport.id.includes(encodeURIComponent(PASSWORD)) && !transport.id.includes('@'))
    })

    it(`${name}: a wrong password fails with the server's 401, and no message shows the password or the token`, async () => {
      const url = credentialed('/pub/o.bin').replace(
        encodeURIComponent(PASSWORD),
        'wrong-password-42',
      )
      const transport = createUrlTransport({ url, wire })
      const error = await transport.stat().then(
        () => assert.fail('a wrong password was accepted'),
        (e: unknown) => e,
      )
      assert.ok(isTransportError(error), String(error))
      assert.equal(error.status, 401)
      const text = `${error.message} ${JSON.stringify(error)}`
      assert.ok(!text.includes('wrong-password-42'), text)
      assert.ok(!text.includes(Buffer.from(`${USER}:wrong-password-42`).toString('base64')), text)
    })

    it(`${name}: a redirect to another origin is followed without the credentials (as curl does): the object is read, the other origin never sees Authorization`, async () => {
      const from = seen.length
      seenElsewhere.length = 0
      const transport = createUrlTransport({ url: credentialed('/moved.bin'), wire })
      const info = await transport.stat()
      assert.equal(info.size, bytes.length)
      const response = await transport.read({ start: 0, end: bytes.length - 1, object: info })
      assert.deepEqual(await collect(response.body), bytes)
      assert.ok(seenElsewhere.length >= 2, `the other origin saw ${seenElsewhere.length} requests`)
      for (const r of seenElsewhere) assert.equal(r.authorization, null, r.path)
      const home = seen.slice(from)
      assert.ok(home.length >= 2 && home.every((r) => r.authorization === EXPECTED))
    })

    it(`${name}: a redirect within the origin keeps the credentials (the server answers only with them)`, async () => {
      const from = seen.length
      const transport = createUrlTransport({ url: credentialed('/moved-here.bin'), wire })
      const info = await transport.stat()
      assert.equal(info.size, bytes.length)
      const hops = seen.slice(from)
      assert.deepEqual(
        hops.map((r) => [r.path, r.authorization]),
        [
          ['/moved-here.bin', EXPECTED],
          ['/pub/o.bin', EXPECTED],
        ],
      )
    })

    it(`${name}: a Location with a user name and password is refused at once, never followed, and not shown`, async () => {
      const transport = createUrlTransport({ url: credentialed('/to-userinfo.bin'), wire })
      const error = await transport.stat().then(
        () => assert.fail('the redirect was followed'),
        (e: unknown) => e,
      )
      assert.ok(isTransportError(error), String(error))
      assert.equal(error.retryable, false)
      assert.match(error.message, /address with a user name and password in it/)
      assert.ok(!error.message.includes('planted-secret'), error.message)
    })
  }

  for (const [name, wire] of [
    ['fetch wire', fetchWire()],
    ['node wire', nodeWire()],
  ] as const)
    it(`${name}: headersBoundToOrigin names (a header file's credentials) stay at the URL's origin across a redirect; the other headers follow it`, async () => {
      seenElsewhere.length = 0
      const transport = createUrlTransport({
        url: `${server.url}/moved.bin`,
        headers: {
          authorization: EXPECTED,
          'x-api-key': 'k3y-secret-value',
          accept: 'application/octet-stream',
        },
        headersBoundToOrigin: ['authorization', 'x-api-key'],
        wire,
      })
      assert.equal((await transport.stat()).size, bytes.length)
      assert.deepEqual(seenElsewhere, [
        {
          path: '/pub/o.bin',
          authorization: null,
          apiKey: null,
          accept: 'application/octet-stream',
        },
      ])
    })

  it("basicAuth (as from a netrc file) is sent in place of the URL's user:password, to the URL's origin only, and refused over plain http to another host", async () => {
    seen.length = 0
    const wrongInUrl = credentialed('/pub/o.bin').replace(encodeURIComponent(PASSWORD), 'nope')
    const transport = createUrlTransport({
      url: wrongInUrl,
      basicAuth: { user: USER, password: PASSWORD },
    })
    const info = await transport.stat()
    assert.equal(info.size, bytes.length)
    assert.equal(seen.at(-1)?.authorization, EXPECTED)
    assert.ok(!transport.id.includes('@'), transport.id)
    const moved = createUrlTransport({
      url: `${server.url}/moved.bin`,
      basicAuth: { user: USER, password: PASSWORD },
    })
    seenElsewhere.length = 0
    assert.equal((await moved.stat()).size, bytes.length)
    assert.deepEqual(
      seenElsewhere.map((r) => r.authorization),
      [null],
    )
    assert.throws(
      () =>
        createUrlTransport({
          url: 'http://example.com/f.bin',
          basicAuth: { user: 'alice', password: 'clear-text-secret' },
        }),
      (e: unknown) =>
        e instanceof OptionsError &&
        e.option === 'basicAuth' &&
        /https/.test(e.message) &&
        !e.message.includes('clear-text-secret'),
    )
  })

  it('refuses credentials in a plain-http URL to another host (Basic would send them in clear text), never echoing them', () => {
    assert.throws(
      () => createUrlTransport({ url: 'http://alice:clear-text-secret@example.com/f.bin' }),
      (e: unknown) =>
        e instanceof OptionsError &&
        /https/.test(e.message) &&
        !e.message.includes('clear-text-secret'),
    )
    // https is fine, and so is a URL with no credentials.
    createUrlTransport({ url: 'https://alice:clear-text-secret@example.com/f.bin' })
    createUrlTransport({ url: 'http://example.com/f.bin' })
  })
})
