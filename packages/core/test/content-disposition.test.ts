import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  headFromRecord,
  contentDispositionFileName as name,
  objectInfoFromHead,
} from '@resumable/core/http'

/** A header value as runtimes hand it over: one character per byte received. */
const asReceived = (text: string) => String.fromCharCode(...new TextEncoder().encode(text))

describe('http: the file name Content-Disposition suggests', () => {
  it('reads filename as a token or a quoted string, escapes undone, parameter names in any case', () => {
    assert.equal(name('attachment; filename=report.pdf'), 'report.pdf')
    assert.equal(name('attachment; filename="annual report.pdf"'), 'annual report.pdf')
    assert.equal(name('inline; FileName="a \\"quoted\\" name.txt"'), 'a "quoted" name.txt')
    assert.equal(name('attachment;filename="x;y.bin";size=3'), 'x;y.bin')
    assert.equal(name('attachment; size=3; filename = "late.bin"'), 'late.bin')
  })

  it('prefers filename* (UTF-8 or ISO-8859-1, percent-encoded) in either order, and falls back to filename when it does not decode or names no file', () => {
    const both = `attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`
    assert.equal(name(both), 'résumé.pdf')
    assert.equal(
      name(`attachment; filename*=utf-8'en'%E2%82%AC%20rates.txt; filename="x"`),
      '€ rates.txt',
    )
    assert.equal(name(`attachment; filename*=ISO-8859-1''caf%E9.txt`), 'café.txt')
    assert.equal(name(`attachment; filename*=UTF-8''bad%E9.txt; filename="good.txt"`), 'good.txt')
    assert.equal(name(`attachment; filename*=KOI8-R''%F0.txt; filename="plain.txt"`), 'plain.txt')
    assert.equal(name(`attachment; filename*=no-quotes.txt; filename="plain.txt"`), 'plain.txt')
    assert.equal(name(`attachment; filename*=UTF-8''; filename="plain.txt"`), 'plain.txt')
    assert.equal(name(`attachment; filename*=UTF-8''dir%2F; filename="plain.txt"`), 'plain.txt')
  })

  it('decodes a plain filename sent as raw UTF-8, quoted or not, and keeps bytes that are not UTF-8 as they came', () => {
    assert.equal(name(asReceived('attachment; filename="naïve 日本.txt"')), 'naïve 日本.txt')
    assert.equal(name('attachment; filename="caf\u00e9.txt"'), 'café.txt')
    // Unquoted: à is C3 A0 and Р is D0 A0 in UTF-8; byte A0 is U+00A0, not a separator.
    assert.equal(name(asReceived('attachment; filename=voilà.txt')), 'voilà.txt')
    assert.equal(name(asReceived('attachment; filename=Рис.png; size=3')), 'Рис.png')
  })

  it('drops directory parts, as RFC 6266 asks: only the last segment of / or \\ paths', () => {
    assert.equal(name('attachment; filename="../../etc/passwd"'), 'passwd')
    assert.equal(name('attachment; filename=C:\\Windows\\evil.dll'), 'evil.dll')
    assert.equal(name('attachment; filename="C:\\\\Windows\\\\evil.dll"'), 'evil.dll')
    assert.equal(name(`attachment; filename*=UTF-8''..%2F..%2Fx.sh`), 'x.sh')
  })

  it('names no file for an absent header, no filename, an empty one, one ending in a separator, or a malformed parameter list', () => {
    assert.equal(name(undefined), undefined)
    assert.equal(name('attachment'), undefined)
    assert.equal(name('inline; size=10'), undefined)
    assert.equal(name('attachment; filename=""'), undefined)
    assert.equal(name('attachment; filename="dir/"'), undefined)
    assert.equal(name('attachment; filename="unterminated'), undefined)
  })

  it('is ObjectInfo.fileName of a HEAD, and absent without the header', () => {
    const head = headFromRecord(200, {
      'content-length': '3',
      'content-disposition': 'attachment; filename="data.csv"',
    })
    assert.equal(objectInfoFromHead(head, 3, { ranged: false }).fileName, 'data.csv')
    const bare = headFromRecord(200, { 'content-length': '3' })
    assert.equal('fileName' in objectInfoFromHead(bare, 3, { ranged: false }), false)
  })
})
