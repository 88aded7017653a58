import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { digestFromChecksums } from '../src/checksum-file.ts'
import { UsageError } from '../src/usage-error.ts'

const md5 = 'a'.repeat(32)
const sha1 = 'b'.repeat(40)
const sha256 = 'C'.repeat(64)
const sha512 = 'd'.repeat(128)

describe('digestFromChecksums', () => {
  it('reads GNU lines (text and binary mode, a path before the name), taking the algorithm from the length', () => {
    const text = `${md5}  a.iso\n${sha1} *dir/b.iso\n${sha512}  ./c.iso\n`
    assert.deepEqual(digestFromChecksums(text, ['a.iso'], 'S'), { algorithm: 'md5', value: md5 })
    assert.deepEqual(digestFromChecksums(text, ['b.iso'], 'S'), { algorithm: 'sha1', value: sha1 })
    assert.deepEqual(digestFromChecksums(text, ['c.iso'], 'S'), {
      algorithm: 'sha512',
      value: sha512,
    })
  })

  it('reads BSD / --tag lines, CRLF line ends, and a GNU-escaped name (leading backslash)', () => {
    const text = `SHA256 (x.iso) = ${sha256}\r\n\\${md5}  back\\\\slash.iso\r\n`
    assert.deepEqual(digestFromChecksums(text, ['x.iso'], 'S'), {
      algorithm: 'sha256',
      value: sha256.toLowerCase(),
    })
    assert.deepEqual(digestFromChecksums(text, ['back\\slash.iso'], 'S'), {
      algorithm: 'md5',
      value: md5,
    })
  })

  it('takes the first name it has a line for, and the strongest digest when a file records several for it', () => {
    const text = `${md5}  dest.iso\n${md5}  obj.iso\n${sha256}  obj.iso\n`
    assert.deepEqual(digestFromChecksums(text, ['obj.iso', 'dest.iso'], 'S'), {
      algorithm: 'sha256',
      value: sha256.toLowerCase(),
    })
    assert.deepEqual(digestFromChecksums(text, ['none.iso', 'dest.iso'], 'S'), {
      algorithm: 'md5',
      value: md5,
    })
  })

  it('refuses two different digests of one algorithm for a name, a name it has no line for, and a file with no digests; ignores a tag whose length is not its algorithm’s', () => {
    const refused = (text: string, says: RegExp) =>
      assert.throws(
        () => digestFromChecksums(text, ['a.iso'], 'SUMS'),
        (e: unknown) => e instanceof UsageError && says.test(e.message),
      )
    refused(
      `${md5}  a.iso\n${'e'.repeat(32)}  a.iso\n`,
      /records two different md5 digests for "a\.iso"/,
    )
    refused(`${md5}  b.iso\n`, /SUMS has no line for "a\.iso"/)
    refused('-----BEGIN PGP SIGNED MESSAGE-----\n', /has no line of digests/)
    refused(`SHA256 (a.iso) = ${md5}\n`, /has no line of digests/)
  })
})
