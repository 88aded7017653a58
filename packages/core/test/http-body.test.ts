import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError } from '@resumable/core'
import {
  assertRestored,
  checkRangeResponse,
  guardBody,
  headFromHeaders,
  readBodyText,
  readWholeBody,
  redactError,
  redactText,
  requireContentLength,
} from '../src/http/index.ts'

const describeCall = 'GET oss://b/k bytes 0-9'

async function* chunks(...parts: (Uint8Array | Error)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    if (part instanceof Error) throw part
    yield part
  }
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0
  for await (const chunk of body) n += chunk.length
  return n
}

async function rejection(p: Promise<unknown>) {
  const e = await p.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  )
  return e
}

describe('http: guardBody', () => {
  it('passes an exact body through, from a ReadableStream or an async iterable', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(6))
        c.enqueue(new Uint8Array(4))
        c.close()
      },
    })
    assert.equal(await drain(guardBody(stream, 10, { describe: describeCall })), 10)
    const iterable = chunks(new Uint8Array(3), new Uint8Array(7))
    assert.equal(await drain(guardBody(iterable, 10, { describe: describeCall })), 10)
  })

  it('a short body is a retryable network error; a long one a protocol error', async () => {
    const short = await rejection(
      drain(guardBody(chunks(new Uint8Array(4)), 10, { describe: describeCall })),
    )
    assert.ok(isTransportError(short))
    assert.equal(short.kind, 'network')
    assert.equal(short.retryable, true)
    assert.match(short.message, /ended after 4 of 10 bytes/)
    const long = await rejection(
      drain(guardBody(chunks(new Uint8Array(11)), 10, { describe: describeCall })),
    )
    assert.ok(isTransportError(long))
    assert.equal(long.kind, 'protocol')
  })

  it('a failing body becomes a network error whose cause is redacted', async () => {
    const error = await rejection(
      drain(
        guardBody(chunks(new Uint8Array(2), new Error('reset by https://h/k?Signature=zzz')), 10, {
          describe: describeCall,
        }),
      ),
    )
    assert.ok(isTransportError(error))
    assert.equal(error.kind, 'network')
    assert.match(error.message, /after 2 of 10 bytes/)
    assert.doesNotMatch(String((error.cause as Error).message), /zzz/)
  })

  it('a body cut by a clean close says the server closed early, an RST says reset, and words that do not tell claim neither', async () => {
    const coded = (message: string, code: string, cause?: Error) =>
      Object.assign(new Error(message, cause ? { cause } : {}), { code })
    const cases: [Error, string, string][] = [
      // Node's fetch: undici's socket `end` (a FIN), then a read that failed on an RST.
      [
        new TypeError('terminated', { cause: coded('other side closed', 'UND_ERR_SOCKET') }),
        'the server closed the connection early, after 2 of 10 bytes',
        "Node's fetch, FIN",
      ],
      [
        new TypeError('terminated', { cause: coded('read ECONNRESET', 'ECONNRESET') }),
        'the connection was reset after 2 of 10 bytes (ECONNRESET)',
        "Node's fetch, RST",
      ],
      // The Node wire keeps code ECONNRESET on a clean close, as Node's own client does.
      [
        coded('the server closed the connection before the end of the body', 'ECONNRESET'),
        'the server closed the connection early, after 2 of 10 bytes',
        'the Node wire, FIN',
      ],
      // Deno's and Bun's fetch say the same of a FIN and an RST.
      [
        new TypeError('error reading a body from connection'),
        'the connection was closed or reset after 2 of 10 bytes',
        "Deno's fetch",
      ],
      [
        coded('ECONNRESET: The socket connection was closed unexpectedly.', 'ECONNRESET'),
        'the connection was closed or reset after 2 of 10 bytes',
        "Bun's fetch",
      ],
    ]
    for (const [cut, said, where] of cases) {
      const error = await rejection(
        drain(guardBody(chunks(new Uint8Array(2), cut), 10, { describe: describeCall })),
      )
      assert.ok(isTransportError(error), where)
      assert.equal(error.kind, 'network', where)
      assert.equal(error.retryable, true, where)
      assert.equal(error.message, `${describeCall}: ${said}`, where)
    }
  })

  it("the caller's abort frees the body and rejects with the caller's reason", async () => {
    let released: unknown
    const controller = new AbortController()
    const reason = new Error('pause')
    const pending = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) })
    const body = guardBody(pending, 10, {
      describe: describeCall,
      signal: controller.signal,
      release: (r) => {
        released = r
      },
    })
    const read = body.next()
    controller.abort(reason)
    await assert.rejects(read, (e) => e === reason)
    assert.equal(released, reason)
  })

  it('returning early frees the body', async () => {
    let released = false
    const body = guardBody(chunks(new Uint8Array(2), new Uint8Array(8)), 10, {
      describe: describeCall,
      release: () => {
        released = true
      },
    })
    await body.next()
    await body.return?.()
    assert.equal(released, true)
  })

  it('reads a small error body as text', async () => {
    const text = new TextEncoder().encode('<Error><Code>X</Code></Error>')
    assert.equal(await readBodyText(chunks(text)), '<Error><Code>X</Code></Error>')
  })
})

describe('http: readWholeBody', () => {
  it('copies every chunk, so a wire that reuses its memory cannot change what was read', async () => {
    const lent = new Uint8Array(4)
    async function* reused(): AsyncGenerator<Uint8Array> {
      for (const value of [1, 2, 3]) {
        lent.fill(value)
        yield lent
      }
    }
    assert.deepEqual([...(await readWholeBody(reused(), 64))], [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
  })

  it('a body past the limit is cancelled and rejects with a RangeError', async () => {
    let cancelled = false
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield new Uint8Array(1000)
      } finally {
        cancelled = true
      }
    }
    await assert.rejects(readWholeBody(endless(), 2500), RangeError)
    assert.equal(cancelled, true)
  })

  it('a body that breaks off rejects with its error', async () => {
    const dropped = new Error('socket hang up')
    await assert.rejects(readWholeBody(chunks(new Uint8Array(3), dropped), 64), dropped)
  })
})

describe('http: range response checks', () => {
  const head = (status: number, headers: Record<string, string>) =>
    headFromHeaders(status, new Headers(headers))
  const asked = { start: 10, end: 19, size: 100 }

  it('accepts the exact 206, and a 200 only for the whole object', () => {
    const ok = head(206, {
      'content-range': 'bytes 10-19/100',
      'content-length': '10',
      etag: '"E"',
      'last-modified': 'Mon, 07 Dec 2026 10:00:00 GMT',
    })
    assert.deepEqual(checkRangeResponse(ok, asked, describeCall), {
      length: 10,
      etag: '"E"',
      lastModified: 'Mon, 07 Dec 2026 10:00:00 GMT',
    })
    const whole = head(200, { 'content-length': '100' })
    assert.equal(
      checkRangeResponse(whole, { start: 0, end: 99, size: 100 }, describeCall).length,
      100,
    )
  })

  it('refuses another range, an ignored Range, a changed size, and an encoded body', () => {
    const cases: [number, Record<string, string>, string][] = [
      [206, { 'content-range': 'bytes 11-19/100' }, 'protocol'],
      [206, {}, 'protocol'],
      [206, { 'content-range': 'bytes 10-19/100', 'content-length': '9' }, 'protocol'],
      [206, { 'content-range': 'bytes 10-19/200' }, 'precondition-failed'],
      [200, { 'content-length': '100' }, 'protocol'],
      [206, { 'content-range': 'bytes 10-19/100', 'content-encoding': 'gzip' }, 'protocol'],
      [204, {}, 'protocol'],
    ]
    for (const [status, headers, kind] of cases) {
      assert.throws(
        () => checkRangeResponse(head(status, headers), asked, describeCall),
        (e) => isTransportError(e) && e.kind === kind,
        JSON.stringify(headers),
      )
    }
  })

  it('says a 200 of another length is not the object when its validators show no change, and still calls a new ETag a change', () => {
    const stat = { start: 0, end: 99, size: 100, etag: '"E"' }
    const page = { 'content-length': '67', 'content-type': 'text/html' }
    for (const headers of [page, { ...page, etag: '"E"' }]) {
      assert.throws(
        () => checkRangeResponse(head(200, headers), stat, describeCall),
        (e) =>
          isTransportError(e) &&
          e.kind === 'protocol' &&
          e.code === undefined &&
          /the answer is not the object: a 200 of 67 bytes \(text\/html\)/.test(e.message),
      )
    }
    for (const headers of [
      { ...page, etag: '"F"' },
      page, // stat had no validator: a new length is all that tells a replaced object
    ]) {
      const asked = 'etag' in headers ? stat : { start: 0, end: 99, size: 100 }
      assert.throws(
        () => checkRangeResponse(head(200, headers), asked, describeCall),
        (e) => isTransportError(e) && e.kind === 'precondition-failed',
      )
    }
  })

  it('a HEAD without Content-Length is a protocol error that is not retried', () => {
    assert.throws(
      () => requireContentLength(head(200, {}), 'HEAD oss://b/k'),
      (e) => isTransportError(e) && e.kind === 'protocol' && !e.retryable,
    )
  })
})

describe('http: archive check at stat', () => {
  const now = Date.UTC(2026, 11, 2)
  const check = { describe: 'HEAD oss://b/k', now }

  it('refuses unrestored, restoring and expired copies; reads a live restored copy', () => {
    const archived = { size: 1, storageClass: 'Archive' }
    for (const restore of [
      undefined,
      { ongoing: true },
      { ongoing: false, expiry: 'Sun, 01 Nov 2026 00:00:00 GMT' },
    ]) {
      assert.throws(
        () => assertRestored(restore ? { ...archived, restore } : archived, undefined, check),
        (e) => isTransportError(e) && e.kind === 'archived' && !e.retryable,
      )
    }
    const live = {
      ...archived,
      restore: { ongoing: false, expiry: 'Fri, 01 Jan 2027 00:00:00 GMT' },
    }
    assert.doesNotThrow(() => assertRestored(live, undefined, check))
    assert.doesNotThrow(() =>
      assertRestored({ size: 1, storageClass: 'Standard' }, undefined, check),
    )
  })

  it("judges expiry by the response's Date, not the local clock", () => {
    const info = {
      size: 1,
      storageClass: 'ColdArchive',
      restore: { ongoing: false, expiry: 'Fri, 01 Jan 2027 00:00:00 GMT' },
    }
    const later = headFromHeaders(200, new Headers({ date: 'Sat, 02 Jan 2027 00:00:00 GMT' }))
    assert.throws(() => assertRestored(info, later, check), /copy expired/)
  })

  it('lets Archive (not Cold) through with real-time access, and names the option otherwise', () => {
    assert.doesNotThrow(() =>
      assertRestored({ size: 1, storageClass: 'Archive' }, undefined, {
        ...check,
        archiveDirectRead: true,
      }),
    )
    assert.throws(
      () =>
        assertRestored({ size: 1, storageClass: 'ColdArchive' }, undefined, {
          ...check,
          archiveDirectRead: true,
        }),
      /ColdArchive/,
    )
    assert.throws(
      () =>
        assertRestored({ size: 1, storageClass: 'Archive' }, undefined, {
          ...check,
          directReadOption: '{ x: true }',
        }),
      /pass \{ x: true \}/,
    )
  })
})

describe('http: redaction', () => {
  it('masks queries of any scheme, expires=, signatures, signing XML, urllib tails and secrets', () => {
    const text = redactText(
      `${[
        'see s3://b/k?X-Amz-Credential=AK/20261202 and Expires=1700000000&x=1',
        'Authorization: OSS4-HMAC-SHA256 Credential=AK/x,Signature=abc',
        'OSS LTAIkey:c2lnbmF0dXJl',
        '<StringToSign>GET\n/b/k</StringToSign>',
        'secret the-secret-access-key',
        'x-amz-server-side-encryption-customer-key: S1NFQ3JldEtleTAxMjM0NTY3ODkwMTIzNDU2Nzg5MA==',
        '{"x-amz-server-side-encryption-customer-key":"QW5vdGhlcktleUluSnNvbjAxMjM0NTY3ODkwMTIzNA=="}',
      ].join(' | ')}, GET https://b.example/k?Signature=s -1 (connected: false)\nheaders: {}`,
      ['the-secret-access-key', 'short'],
    )
    for (const leak of [
      'AK/20261202',
      '1700000000',
      'Signature=abc',
      'c2lnbmF0dXJl',
      '/b/k<',
      'the-secret-access-key',
      'connected',
      'S1NFQ3JldEtleTAx',
      'QW5vdGhlcktleUlu',
    ]) {
      assert.ok(!text.includes(leak), `${leak} in ${text}`)
    }
  })

  it('copies the cause chain redacted, to depth 3, with names and codes', () => {
    const deep = new Error('https://h/a?token=1', {
      cause: Object.assign(
        new Error('https://h/b?token=2', {
          cause: new Error('https://h/c?token=3', {
            cause: new Error('d', { cause: new Error('e') }),
          }),
        }),
        { code: 'ECONNRESET' },
      ),
    })
    const copy = redactError(deep)
    const cause = copy.cause as Error & { code?: string }
    assert.equal(cause.code, 'ECONNRESET')
    assert.doesNotMatch(cause.message, /token=2/)
    const third = (cause.cause as Error).cause as Error
    assert.equal(third.message, 'd')
    assert.equal(third.cause, undefined)
  })
})
