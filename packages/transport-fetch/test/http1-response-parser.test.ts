import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Http1ResponseParser, HttpParseError } from '../src/wire/http1-response-parser.ts'

interface Parsed {
  status?: number
  headers?: ReadonlyMap<string, string>
  body: number[]
  end?: boolean
}

const encode = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))

/** Feeds `wire` in pieces of `step` bytes (0: all at once), then the close when `close`. */
function parse(wire: string, { method = 'GET', step = 0, close = false } = {}): Parsed {
  const parsed: Parsed = { body: [] }
  const parser = new Http1ResponseParser(method, {
    head(status, headers) {
      parsed.status = status
      parsed.headers = headers
    },
    body(piece) {
      parsed.body.push(...piece)
    },
    end(reusable) {
      parsed.end = reusable
    },
  })
  const bytes = encode(wire)
  const size = step || bytes.length
  for (let at = 0; at < bytes.length; at += size) parser.feed(bytes.subarray(at, at + size))
  if (close) parser.close()
  return parsed
}

const text = (parsed: Parsed) => String.fromCharCode(...parsed.body)

describe('Http1ResponseParser', () => {
  for (const step of [0, 1, 3]) {
    const how = step === 0 ? 'in one read' : `${step} byte(s) per read`
    it(`reads a Content-Length body exactly, ${how}, and keeps the connection`, () => {
      const parsed = parse(
        'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/10\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello',
        { step },
      )
      assert.equal(parsed.status, 206)
      assert.equal(parsed.headers?.get('content-range'), 'bytes 0-4/10')
      assert.equal(parsed.headers?.get('x-a'), '1, 2')
      assert.equal(text(parsed), 'hello')
      assert.equal(parsed.end, true)
    })

    it(`decodes a chunked body with extensions and trailers, ${how}`, () => {
      const parsed = parse(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n',
        { step },
      )
      assert.equal(text(parsed), 'hello world')
      assert.equal(parsed.end, true)
    })
  }

  it('skips interim 1xx responses and reports the final one', () => {
    const parsed = parse(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    )
    assert.equal(parsed.status, 200)
    assert.equal(parsed.headers?.get('link'), undefined)
    assert.equal(text(parsed), 'ok')
  })

  it('gives HEAD, 204 and 304 no body, whatever Content-Length says', () => {
    const head = parse('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', { method: 'HEAD' })
    assert.deepEqual([head.status, head.body.length, head.end], [200, 0, true])
    for (const status of [204, 304]) {
      const parsed = parse(`HTTP/1.1 ${status} X\r\nContent-Length: 10\r\n\r\n`)
      assert.deepEqual([parsed.body.length, parsed.end], [0, true])
    }
  })

  it('reads a body without length until the close, and never reuses that connection', () => {
    const parsed = parse('HTTP/1.1 200 OK\r\n\r\nuntil the end', { close: true })
    assert.equal(text(parsed), 'until the end')
    assert.equal(parsed.end, false)
  })

  it('does not reuse a connection the server says it closes, or an HTTP/1.0 one', () => {
    assert.equal(
      parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').end,
      false,
    )
    assert.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').end, false)
    assert.equal(
      parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').end,
      true,
    )
  })

  it('refuses conflicting or malformed Content-Length, bad status lines and bad chunk sizes', () => {
    const refusals: [string, string][] = [
      [
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n',
        'HPE_INVALID_CONTENT_LENGTH',
      ],
      ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'HPE_INVALID_CONTENT_LENGTH'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n', 'HPE_INVALID_CONTENT_LENGTH'],
      ['ICY 200 OK\r\n\r\n', 'HPE_INVALID_STATUS'],
      ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'HPE_INVALID_CHUNK_SIZE'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY', 'HPE_INVALID_CHUNK'],
    ]
    for (const [wire, code] of refusals) {
      assert.throws(
        () => parse(wire),
        (error) => error instanceof HttpParseError && error.code === code,
        wire,
      )
    }
  })

  it('refuses a head larger than 64 KiB', () => {
    const huge = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`
    assert.throws(() => parse(huge, { step: 8192 }), /exceeds 65536 bytes/)
  })

  it('calls a close before the head or mid-body premature, with a retryable code', () => {
    for (const wire of [
      'HTTP/1.1 200 OK\r\nContent-Le',
      'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc',
    ]) {
      assert.throws(
        () => parse(wire, { close: true }),
        (error) => error instanceof HttpParseError && error.code === 'ECONNRESET',
      )
    }
  })

  it('treats bytes after a complete response as a broken connection, after reporting the response', () => {
    let ended: boolean | undefined
    const parser = new Http1ResponseParser('GET', {
      head() {},
      body() {},
      end(reusable) {
        ended = reusable
      },
    })
    assert.throws(
      () => parser.feed(encode('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA')),
      (error) => error instanceof HttpParseError && error.code === 'HPE_EXTRA_BYTES',
    )
    assert.equal(ended, true)
    assert.equal(parser.done, true)
  })
})
