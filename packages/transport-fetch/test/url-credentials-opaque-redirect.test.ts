import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TransportError } from '@resumable/core'
import { createUrlTransport, fetchWire } from '@resumable/transport-fetch'

// In a browser a `redirect: 'manual'` answer is opaque (status 0, no Location). A URL transport
// whose credentials are bound to the URL's origin follows redirects itself; there it cannot, and
// following natively would hand the credentials to wherever the redirect leads.

/** What a browser answers to `redirect: 'manual'`. */
function opaqueRedirect(): Response {
  return Object.defineProperties(new Response(null), {
    type: { value: 'opaqueredirect' },
    status: { value: 0 },
  })
}

interface Sent {
  readonly redirect: RequestRedirect | undefined
  readonly authorization: string | null
  readonly token: string | null
}

/** A fetch that behaves as a browser's does for a URL that redirects elsewhere. */
function browserFetch(sent: Sent[]) {
  return async (_url: string, init: RequestInit): Promise<Response> => {
    const headers = new Headers(init.headers)
    sent.push({
      redirect: init.redirect,
      authorization: headers.get('authorization'),
      token: headers.get('private-token'),
    })
    return init.redirect === 'manual'
      ? opaqueRedirect()
      : new Response('abc', { status: 200, headers: { 'content-length': '3' } })
  }
}

const cases = {
  basicAuth: { basicAuth: { user: 'u', password: 'p' } },
  'user:password@ in the URL': { url: 'https://u:p@files.example/x' },
  headersBoundToOrigin: { headers: { 'private-token': 's3cr3t' }, headersBoundToOrigin: true },
} as const

describe('a URL transport with origin-bound credentials, where redirects are opaque (a browser)', () => {
  for (const [name, options] of Object.entries(cases)) {
    it(`${name}: a redirect is refused with a typed error that says why, and no request follows it natively`, async () => {
      const sent: Sent[] = []
      const transport = createUrlTransport({
        url: 'https://files.example/x',
        ...options,
        wire: fetchWire(browserFetch(sent)),
      })
      const error = await transport.stat().then(
        () => assert.fail('stat succeeded through a hidden redirect'),
        (e: unknown) => e,
      )
      assert.ok(error instanceof TransportError)
      assert.equal(error.kind, 'invalid-request')
      assert.equal(error.retryable, false)
      assert.match(error.message, /does not tell where to.*give the URL the redirect leads to/)
      assert.doesNotMatch(error.message, /s3cr3t|dTpw/)
      assert.ok(sent.length > 0 && sent.every((s) => s.redirect === 'manual'), JSON.stringify(sent))
    })
  }

  it('without credentials the same redirect is still followed natively', async () => {
    const sent: Sent[] = []
    const transport = createUrlTransport({
      url: 'https://files.example/x',
      wire: fetchWire(browserFetch(sent)),
    })
    assert.equal((await transport.stat()).size, 3)
    assert.deepEqual(
      sent.map((s) => s.redirect),
      ['manual', 'follow'],
    )
  })
})
