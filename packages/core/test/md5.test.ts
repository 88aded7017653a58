import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Md5 } from '../src/index.ts'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('Md5', () => {
  it('gives the RFC 1321 test suite digests', () => {
    const suite: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      [
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
        'd174ab98d277d9f5a5611c2c9f419d9f',
      ],
      ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
    ]
    for (const [message, digest] of suite)
      assert.equal(new Md5().update(text(message)).hex(), digest, JSON.stringify(message))
  })

  it('matches node:crypto on every length across the block and padding boundaries', () => {
    for (let n = 0; n < 300; n++) {
      const data = randomBytes(n)
      assert.equal(new Md5().update(data).hex(), createHash('md5').update(data).digest('hex'))
    }
  })

  it('gives the same digest whatever pieces the bytes arrive in, and 16 bytes from digest()', () => {
    const data = randomBytes(200_003)
    const expected = createHash('md5').update(data).digest()
    for (const piece of [1, 7, 63, 64, 65, 4096, 65_537]) {
      const md5 = new Md5()
      for (let at = 0; at < data.length; at += piece) md5.update(data.subarray(at, at + piece))
      assert.deepEqual(Buffer.from(md5.digest()), expected, `pieces of ${piece}`)
    }
  })
})
