import assert from 'node:assert/strict'
import { it } from 'node:test'
import { RequestHeaders } from '@resumable/transport-fetch'

it('RequestHeaders reads, replaces and iterates as the runtime’s Headers does: lower-case names in sorted order', () => {
  const ours = new RequestHeaders({ Range: 'bytes=0-9', 'X-Amz-Date': '20261205T000000Z' })
  const theirs = new Headers({ Range: 'bytes=0-9', 'X-Amz-Date': '20261205T000000Z' })
  for (const headers of [ours, theirs]) {
    headers.set('If-Match', ' "5d41" ')
    headers.set('authorization', 'first')
    headers.set('Authorization', 'second')
    headers.set('accept-encoding', 'identity')
    headers.delete('X-AMZ-DATE')
  }
  assert.deepEqual([...ours], [...theirs])
  assert.deepEqual(
    [...ours],
    [
      ['accept-encoding', 'identity'],
      ['authorization', 'second'],
      ['if-match', '"5d41"'],
      ['range', 'bytes=0-9'],
    ],
  )
  assert.equal(ours.get('IF-MATCH'), theirs.get('IF-MATCH'))
  assert.equal(ours.get('x-amz-date'), null)
  assert.equal(ours.has('Range'), true)
  assert.equal(ours.has('x-amz-date'), false)
  assert.deepEqual(Object.fromEntries(ours), Object.fromEntries(theirs))
})

it('RequestHeaders refuses a name that is not a token and a value that would end the field, as Headers does', () => {
  for (const [name, value] of [
    ['bad name', 'v'],
    ['x-split', 'a\r\nx-injected: yes'],
    ['x-newline', 'a\nb'],
    ['x-nul', 'a\0b'],
  ] as const) {
    assert.throws(() => new Headers().set(name, value), TypeError, `Headers accepted ${name}`)
    assert.throws(
      () => new RequestHeaders().set(name, value),
      TypeError,
      `RequestHeaders accepted ${name}`,
    )
  }
  // A value's outer whitespace, line breaks included, is stripped rather than refused.
  const headers = new RequestHeaders()
  headers.set('x-padded', '\r\n\t value \t\r\n')
  assert.equal(headers.get('x-padded'), 'value')
})
