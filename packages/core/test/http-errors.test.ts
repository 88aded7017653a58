import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  classifyStatus,
  headFromHeaders,
  networkFailure,
  type StoreFailureContext,
  storeErrorFields,
  storeFailure,
} from '@resumable/core/http'

const base: StoreFailureContext = {
  describe: 'GET oss://b/k bytes 0-9',
  secrets: ['the-secret-access-key'],
  now: Date.UTC(2026, 11, 2, 12),
  rotatingCredentials: false,
  correctClockSkew: false,
}

function answer(status: number, code: string | undefined, headers: Record<string, string> = {}) {
  const head = headFromHeaders(status, new Headers(headers))
  const fields = storeErrorFields(head, code === undefined ? {} : { code, message: `msg ${code}` })
  return (context: Partial<StoreFailureContext> = {}) =>
    storeFailure(head, fields, { ...base, ...context })
}

describe('http: store error classification', () => {
  it('says a 416 whose Content-Range names the object size stat gave refused a range inside the object, not retried', () => {
    const object = { size: 4194304 }
    const refused = answer(416, undefined, { 'content-range': 'bytes */4194304' })({
      object,
    }).error
    assert.equal(refused.kind, 'protocol')
    assert.equal(refused.retryable, false)
    assert.match(refused.message, /refused a range inside the object .*still 4194304 bytes/)
    const shorter = answer(416, undefined, { 'content-range': 'bytes */1000' })({ object }).error
    assert.equal(shorter.kind, 'range-not-satisfiable')
    assert.match(shorter.message, /beyond the end of the object/)
  })

  it('says a 416 without Content-Range to a read of a stat-sized object is a retryable store fault unless a validator changed', () => {
    const object = { size: 4194304, etag: '"E"', lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT' }
    const answers: Record<string, string>[] = [
      {},
      { etag: '"E"' },
      { 'content-range': 'bytes */*' },
    ]
    for (const headers of answers) {
      const fault = answer(416, 'InvalidRange', headers)({ object }).error
      assert.equal(fault.kind, 'server', JSON.stringify(headers))
      assert.equal(fault.retryable, true)
      assert.match(fault.message, /refused a range inside the 4194304-byte object stat reported/)
      assert.match(fault.message, /if it repeats, check what serves the object/)
      // The HTTP layer cannot know whether a checkpoint is kept (checkpoint: false, stdout).
      assert.doesNotMatch(fault.message, /checkpoint|resume/)
    }
    const changed = answer(416, 'InvalidRange', { etag: '"F"' })({ object }).error
    assert.equal(changed.kind, 'range-not-satisfiable')
    const { etag: _, ...noEtag } = object
    const newer = { 'last-modified': 'Wed, 02 Dec 2026 10:00:00 GMT' }
    assert.equal(
      answer(416, undefined, newer)({ object: noEtag }).error.kind,
      'range-not-satisfiable',
    )
    // Without the object (a stat), of unknown size, or without a validator to guard the read (a
    // weak ETag is none)
    // (then nothing rules out a shorter object), a 416 keeps saying the range is past the end.
    assert.equal(answer(416, undefined)().error.kind, 'range-not-satisfiable')
    const bare = answer(416, undefined)({ object: { size: 4194304 } }).error
    assert.equal(bare.kind, 'range-not-satisfiable')
    // A weak ETag is never sent as If-Match: it guards nothing.
    const weak = answer(416, undefined)({ object: { size: 4194304, etag: 'W/"E"' } }).error
    assert.equal(weak.kind, 'range-not-satisfiable')
    const unknown = { size: 0, sizeKnown: false }
    assert.equal(answer(416, undefined)({ object: unknown }).error.kind, 'range-not-satisfiable')
  })

  it("says the size S3's 416 names (ActualObjectSize): the object is now N bytes, and a guarded read is then a shorter object, not a store fault", () => {
    const object = { size: 4194304, etag: '"E"' }
    const s3 = (size: number) => {
      const head = headFromHeaders(416, new Headers({ 'x-amz-request-id': 'R' }))
      const xml = `<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message><ActualObjectSize>${size}</ActualObjectSize></Error>`
      return storeFailure(head, storeErrorFields(head, xml), { ...base, object }).error
    }
    const shorter = s3(1000)
    assert.equal(shorter.kind, 'range-not-satisfiable')
    assert.equal(shorter.retryable, false)
    assert.match(
      shorter.message,
      /beyond the end of the object: the object is now 1000 bytes, not the 4194304 stat reported \(The requested range/,
    )
    // The size stat gave: the store refused a range it has, as with a Content-Range naming it.
    const same = s3(4194304)
    assert.equal(same.kind, 'protocol')
    assert.match(same.message, /yet its ActualObjectSize says the object is still 4194304 bytes/)
    // Without a stat, the size alone is said.
    const head = headFromHeaders(416, new Headers())
    const bare = storeFailure(
      head,
      storeErrorFields(
        head,
        '<Error><Code>InvalidRange</Code><ActualObjectSize>7</ActualObjectSize></Error>',
      ),
      base,
    ).error
    assert.match(
      bare.message,
      /beyond the end of the object: the object is now 7 bytes \(status 416/,
    )
  })

  it('maps codes before statuses: throttles, auth, not-found, archive, range', () => {
    assert.deepEqual(classifyStatus(503, 'SlowDown'), { kind: 'throttled' })
    assert.deepEqual(classifyStatus(503, 'TotalQpsLimitExceeded'), { kind: 'throttled' })
    assert.deepEqual(classifyStatus(403, 'AccessDenied'), { kind: 'forbidden' })
    assert.deepEqual(classifyStatus(403, 'InvalidObjectState'), { kind: 'archived' })
    assert.deepEqual(classifyStatus(404, 'NoSuchBucket'), { kind: 'not-found' })
    assert.deepEqual(classifyStatus(416, undefined), { kind: 'range-not-satisfiable' })
    assert.deepEqual(classifyStatus(400, 'RequestTimeout'), { kind: 'timeout' })
    assert.deepEqual(classifyStatus(502, undefined), { kind: 'server' })
    assert.deepEqual(classifyStatus(418, undefined), { kind: 'invalid-request' })
  })

  it('501 and NotImplemented are invalid-request and not retried: the store lacks the feature', () => {
    assert.deepEqual(classifyStatus(501, undefined), { kind: 'invalid-request' })
    assert.deepEqual(classifyStatus(501, 'NotImplemented'), { kind: 'invalid-request' })
    assert.deepEqual(classifyStatus(400, 'NotImplemented'), { kind: 'invalid-request' })
    const { error } = answer(501, 'NotImplemented')()
    assert.equal(error.retryable, false)
  })

  it("names the bucket's region from x-amz-bucket-region on a 301, or a 400 about the region or with no Code, and not otherwise", () => {
    const head = (status: number, headers: Record<string, string>) => ({
      status,
      header: (name: string) => headers[name.toLowerCase()],
    })
    const context = {
      describe: 'HEAD s3://b/k',
      secrets: [],
      now: Date.now(),
      rotatingCredentials: false,
      correctClockSkew: false,
    }
    const moved = storeFailure(head(301, { 'x-amz-bucket-region': 'eu-west-1' }), {}, context)
    assert.match(moved.error.message, /the bucket is in region eu-west-1: use that region/)
    const malformed = storeFailure(
      head(400, { 'x-amz-bucket-region': 'ap-south-1' }),
      { code: 'AuthorizationHeaderMalformed' },
      context,
    )
    assert.match(malformed.error.message, /the bucket is in region ap-south-1/)
    const denied = storeFailure(head(403, { 'x-amz-bucket-region': 'eu-west-1' }), {}, context)
    assert.doesNotMatch(denied.error.message, /bucket is in region/)
    // S3 sends the header on other answers too: a 400 about something else is not about regions.
    const missingKey = storeFailure(
      head(400, { 'x-amz-bucket-region': 'eu-west-1' }),
      { code: 'InvalidRequest', message: 'The object was stored using a form of SSE' },
      context,
    )
    assert.doesNotMatch(missingKey.error.message, /bucket is in region/)
    const odd = storeFailure(head(400, { 'x-amz-bucket-region': 'x y\n' }), {}, context)
    assert.doesNotMatch(odd.error.message, /bucket is in region/)
  })

  it("a proxy's 407 is auth, not retried, and says to check the proxy URL's credentials", () => {
    const { error } = answer(407, undefined)()
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, false)
    assert.match(error.message, /the proxy requires authentication \(407\)/)
    const refused = Object.assign(new Error('proxy 10.0.0.1:3128 refused CONNECT h:443: 407'), {
      code: 'ERR_PROXY_AUTHENTICATION_REQUIRED',
    })
    const tunnel = networkFailure(refused, { describe: 'GET https://h/k' })
    assert.equal(tunnel.kind, 'auth')
    assert.equal(tunnel.retryable, false)
    assert.match(tunnel.message, /10\.0\.0\.1:3128 .*check the user and password in the proxy URL/)
  })

  it("a TLS failure in a proxy's tunnel, in the runtime's own words (Bun: Socket is closed), names the tunnel and keeps the words", () => {
    const failed = Object.assign(
      new Error('the connection to the proxy http://10.0.0.1:3128 failed: Socket is closed'),
      { proxy: 'http://10.0.0.1:3128', proxyStage: 'tls' },
    )
    const error = networkFailure(failed, { describe: 'GET https://h/k' })
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.match(
      error.message,
      /^GET https:\/\/h\/k: the TLS handshake through the tunnel of the proxy http:\/\/10\.0\.0\.1:3128 failed \(.*Socket is closed\): check that the proxy lets CONNECT through/,
    )
  })

  it('AccessKeyIdDisabled is auth and not retried (the key, not a permission, is wrong)', () => {
    const { error } = answer(403, 'AccessKeyIdDisabled')()
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, false)
  })

  it('an expired token is retried only when credentials can rotate', () => {
    for (const code of ['ExpiredToken', 'SecurityTokenExpired']) {
      assert.equal(answer(400, code)().error.retryable, false, code)
      const rotating = answer(400, code)({ rotatingCredentials: true }).error
      assert.equal(rotating.kind, 'auth')
      assert.equal(rotating.retryable, true, code)
    }
  })

  it('a clock skew is corrected and retried when the transport signs, and reported otherwise', () => {
    const date = { date: 'Wed, 02 Dec 2026 12:20:00 GMT' }
    const corrected = answer(403, 'RequestTimeTooSkewed', date)({ correctClockSkew: true })
    assert.equal(corrected.error.kind, 'auth')
    assert.equal(corrected.error.retryable, true)
    assert.equal(corrected.clockSkewMs, 20 * 60 * 1000)
    const bare = answer(403, undefined, date)({ correctClockSkew: true })
    assert.equal(bare.clockSkewMs, 20 * 60 * 1000, 'a bare 403 with a Date 20 min off is a skew')
    const reported = answer(403, 'RequestTimeTooSkewed', date)({ clockAdvice: ' (ADVICE)' })
    assert.equal(reported.clockSkewMs, undefined)
    assert.equal(reported.error.retryable, false)
    assert.match(reported.error.message, /fix the clock \(ADVICE\)/)
  })

  it('carries Retry-After (1.5 s is 1500 ms), the ids, and a redacted store message', () => {
    const head = headFromHeaders(
      503,
      new Headers({ 'retry-after': '1.5', 'x-oss-request-id': 'RID' }),
    )
    const { error } = storeFailure(
      head,
      storeErrorFields(head, {
        code: 'SlowDown',
        message: 'slow down, the-secret-access-key',
        hostId: 'H',
        ec: 'E',
      }),
      base,
    )
    assert.equal(error.kind, 'throttled')
    assert.equal(error.retryable, true)
    assert.equal(error.retryAfterMs, 1500)
    assert.equal(error.requestId, 'RID')
    assert.equal(error.hostId, 'H')
    assert.doesNotMatch(error.message, /the-secret-access-key/)
  })

  it('a bare 403 on an archival object is archived; a redirect says to check the endpoint', () => {
    const archived = answer(
      403,
      undefined,
    )({ object: { size: 1, storageClass: 'DeepColdArchive' } })
    assert.equal(archived.error.kind, 'archived')
    assert.equal(answer(403, undefined)().error.kind, 'forbidden')
    assert.match(answer(301, undefined)().error.message, /region or endpoint/)
  })

  it('a 304 is not worded as a redirect: it says a cache or proxy answered a request that was not conditional', () => {
    const { error } = answer(304, undefined)()
    assert.doesNotMatch(error.message, /redirect/)
    assert.match(error.message, /304 Not Modified/)
    assert.match(error.message, /cache or proxy/)
    assert.equal(error.retryable, false)
  })
})

describe('http: network failures', () => {
  const context = { describe: 'HEAD oss://b/k', secrets: ['the-secret-access-key'] }

  it('a reset or refusal is a retryable network error that says why', () => {
    const error = networkFailure(
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
          code: 'ECONNREFUSED',
        }),
      }),
      context,
    )
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.equal(error.message, 'HEAD oss://b/k: the connection was refused (ECONNREFUSED)')
    assert.equal((error.cause as Error & { cause: { code: string } }).cause.code, 'ECONNREFUSED')
  })

  // Each runtime's own error for one fault, as each gave it (Node's fetch, the Node wire, Deno's
  // fetch, Bun's fetch): one message, kind and retryable for all, the fault named once.
  const coded = (message: string, code: string, more: object = {}): Error =>
    Object.assign(new Error(message), { code, ...more })
  const fetchFailed = (cause: Error): TypeError => new TypeError('fetch failed', { cause })
  const faults: readonly (readonly [string, readonly Error[], string, boolean])[] = [
    [
      'a refused connection',
      [
        fetchFailed(coded('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED')),
        coded('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'),
        fetchFailed(
          new Error(
            'error sending request for url (http://127.0.0.1:9/k): client error (Connect): tcp connect error: Connection refused (os error 111)',
          ),
        ),
        coded(
          'ECONNREFUSED: Unable to connect. Is the computer able to access the url?',
          'ECONNREFUSED',
        ),
        coded('Unable to connect', 'ConnectionRefused'),
      ],
      'HEAD oss://b/k: the connection was refused (ECONNREFUSED)',
      true,
    ],
    [
      'a reset connection',
      [
        fetchFailed(coded('read ECONNRESET', 'ECONNRESET')),
        fetchFailed(new Error('Connection reset by peer (os error 104)')),
      ],
      'HEAD oss://b/k: the connection was reset (ECONNRESET)',
      true,
    ],
    [
      'a connection the server closed cleanly without answering',
      [
        fetchFailed(coded('other side closed', 'UND_ERR_SOCKET')),
        coded('the server closed the connection before a response', 'ECONNRESET'),
        fetchFailed(
          new Error(
            'error sending request from 127.0.0.1:1 for http://h/k (127.0.0.1:2): client error (SendRequest): connection closed before message completed',
          ),
        ),
      ],
      'HEAD oss://b/k: the server closed the connection without answering',
      true,
    ],
    [
      // Bun's fetch says the same of a clean close and an RST: neither is claimed.
      'a connection closed or reset, the runtime does not say which',
      [coded('ECONNRESET: The socket connection was closed unexpectedly.', 'ECONNRESET')],
      'HEAD oss://b/k: the connection was closed or reset before the server answered',
      true,
    ],
    [
      'a host name that does not resolve',
      [
        fetchFailed(
          coded('getaddrinfo ENOTFOUND no.invalid', 'ENOTFOUND', { hostname: 'no.invalid' }),
        ),
        coded('getaddrinfo ENOTFOUND no.invalid', 'ENOTFOUND'),
        fetchFailed(
          new Error(
            'error sending request for url (http://no.invalid/k?X-Amz-Signature=s3cr3t): client error (Connect): dns error: failed to lookup address information: Name or service not known',
          ),
        ),
      ],
      'HEAD oss://b/k: the host name no.invalid does not resolve (ENOTFOUND): check the endpoint, region or URL',
      false,
    ],
  ]
  for (const [fault, errors, message, retryable] of faults) {
    it(`${fault} reads the same from every runtime's error, without "fetch failed (" around it`, () => {
      for (const raw of errors) {
        const error = networkFailure(raw, context)
        assert.equal(error.kind, 'network', raw.message)
        assert.equal(error.retryable, retryable, raw.message)
        assert.equal(error.message, message, raw.message)
      }
    })
  }

  it('a failure of no known kind gives the runtime\'s reason once, not nested in "fetch failed"', () => {
    const error = networkFailure(fetchFailed(new Error('something odd happened')), context)
    assert.equal(error.message, 'HEAD oss://b/k: the connection failed (something odd happened)')
  })

  it("undici's own errors (the Node wire): socket and abort are retryable network, its timeouts are timeouts", () => {
    const undici = (message: string, code: string, cause?: Error) =>
      Object.assign(new Error(message, cause ? { cause } : {}), { code })
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    for (const error of [
      undici('other side closed', 'UND_ERR_SOCKET', reset),
      undici('Request aborted', 'UND_ERR_ABORTED'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    ]) {
      const classified = networkFailure(error, context)
      assert.equal(classified.kind, 'network', error.message)
      assert.equal(classified.retryable, true, error.message)
    }
    for (const code of [
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
    ]) {
      const classified = networkFailure(undici('Timeout Error', code), context)
      assert.equal(classified.kind, 'timeout', code)
      assert.equal(classified.retryable, true, code)
    }
  })

  it('a host name that does not exist is not retried; a resolver that did not answer is', () => {
    const notFound = networkFailure(
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND nope.invalid'), {
          code: 'ENOTFOUND',
        }),
      }),
      context,
    )
    assert.equal(notFound.retryable, false)
    assert.match(notFound.message, /does not resolve/)
    const deno = networkFailure(
      new TypeError(
        'error sending request: dns error: failed to lookup address information: Name or service not known',
      ),
      context,
    )
    assert.equal(deno.retryable, false)
    const again = networkFailure(
      Object.assign(new Error('getaddrinfo EAI_AGAIN oss.example'), { code: 'EAI_AGAIN' }),
      context,
    )
    assert.equal(again.retryable, true)
  })

  it("Node fetch's refusal of a cross-origin Location with credentials is a protocol error that is not retried", () => {
    const error = networkFailure(
      new TypeError('fetch failed', {
        cause: new TypeError('cross origin not allowed for request mode "cors"'),
      }),
      context,
    )
    assert.equal(error.kind, 'protocol')
    assert.equal(error.retryable, false)
    assert.match(
      error.message,
      /redirected the request to an address with a user name and password in it/,
    )
  })

  it('an untrusted TLS certificate is not retried and says how to trust a private CA', () => {
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
      const error = networkFailure(
        new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) }),
        context,
      )
      assert.equal(error.kind, 'network', code)
      assert.equal(error.retryable, false, code)
      assert.match(error.message, /NODE_EXTRA_CA_CERTS=<ca\.pem>/)
      assert.match(error.message, /DENO_CERT/)
    }
    const deno = networkFailure(new TypeError('invalid peer certificate: UnknownIssuer'), context)
    assert.equal(deno.retryable, false)
  })

  it('timeouts are timeouts, and no secret or signed query survives in message or cause', () => {
    const timeout = networkFailure(
      Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      context,
    )
    assert.equal(timeout.kind, 'timeout')
    const leaky = networkFailure(
      new Error('reset at https://b.example/k?Signature=abc', {
        cause: new Error('the-secret-access-key', { cause: new Error('https://x/y?token=t') }),
      }),
      context,
    )
    let text = leaky.message
    for (let c: unknown = leaky.cause; c instanceof Error; c = c.cause) text += ` ${c.message}`
    assert.doesNotMatch(text, /Signature=abc|the-secret-access-key|token=t/)
  })
})
