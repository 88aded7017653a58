import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { digestFromChecksums, readChecksumFile } from '../src/checksum-file.ts'
import { UsageError } from '../src/usage-error.ts'

const md5 = 'a'.repeat(32)
const sha1 = 'b'.repeat(40)
const sha256 = 'C'.repeat(64)
const sha512 = 'd'.repeat(128)

describe('digestFromChecksums', () => {
  it('reads GNU lines (text and binary mode, a path before the name), taking the algorithm from the length', () => {
    const text = `${md5}  a.iso\n${sha1} *dir/b.iso\n${sha512}  ./c.iso\n`
    assert.deepEqual(digestFromChecksums(text, [{ name: 'a.iso' }], 'S'), {
      algorithm: 'md5',
      value: md5,
    })
    assert.deepEqual(digestFromChecksums(text, [{ name: 'b.iso' }], 'S'), {
      algorithm: 'sha1',
      value: sha1,
    })
    assert.deepEqual(digestFromChecksums(text, [{ name: 'c.iso' }], 'S'), {
      algorithm: 'sha512',
      value: sha512,
    })
  })

  it('reads BSD / --tag lines, CRLF line ends, and a GNU-escaped name (leading backslash)', () => {
    const text = `SHA256 (x.iso) = ${sha256}\r\n\\${md5}  back\\\\slash.iso\r\n`
    assert.deepEqual(digestFromChecksums(text, [{ name: 'x.iso' }], 'S'), {
      algorithm: 'sha256',
      value: sha256.toLowerCase(),
    })
    assert.deepEqual(digestFromChecksums(text, [{ name: 'back\\slash.iso' }], 'S'), {
      algorithm: 'md5',
      value: md5,
    })
  })

  it('takes the first name it has a line for, and the strongest digest when a file records several for it', () => {
    const text = `${md5}  dest.iso\n${md5}  obj.iso\n${sha256}  obj.iso\n`
    assert.deepEqual(digestFromChecksums(text, [{ name: 'obj.iso' }, { name: 'dest.iso' }], 'S'), {
      algorithm: 'sha256',
      value: sha256.toLowerCase(),
    })
    assert.deepEqual(digestFromChecksums(text, [{ name: 'none.iso' }, { name: 'dest.iso' }], 'S'), {
      algorithm: 'md5',
      value: md5,
    })
  })

  it('reads a file that starts with a UTF-8 BOM, GNU’s \\r escape, an escaped --tag line, and OpenSSL 3’s SHA2-256 tag', () => {
    assert.deepEqual(digestFromChecksums(`\uFEFF${md5}  bom.iso\n`, [{ name: 'bom.iso' }], 'S'), {
      algorithm: 'md5',
      value: md5,
    })
    const text = `\\${sha1}  cr\\rname.iso\n\\SHA256 (back\\\\slash.iso) = ${sha256}\nSHA2-512(o3.iso)= ${sha512}\n`
    assert.equal(digestFromChecksums(text, [{ name: 'cr\rname.iso' }], 'S').algorithm, 'sha1')
    assert.equal(digestFromChecksums(text, [{ name: 'back\\slash.iso' }], 'S').algorithm, 'sha256')
    assert.deepEqual(digestFromChecksums(text, [{ name: 'o3.iso' }], 'S'), {
      algorithm: 'sha512',
      value: sha512,
    })
  })

  it('a name recorded under several paths: the one that ends the object’s path, else refused', () => {
    const text = `${md5}  a/x.iso\n${sha256}  ./b/x.iso\n`
    assert.deepEqual(digestFromChecksums(text, [{ name: 'x.iso', path: 'rel/a/x.iso' }], 'S'), {
      algorithm: 'md5',
      value: md5,
    })
    assert.equal(
      digestFromChecksums(text, [{ name: 'x.iso', path: 'b/x.iso' }], 'S').algorithm,
      'sha256',
    )
    assert.throws(
      () => digestFromChecksums(text, [{ name: 'x.iso', path: 'c/x.iso' }], 'S'),
      (e: unknown) =>
        e instanceof UsageError &&
        /records "x\.iso" under several paths \(a\/x\.iso, b\/x\.iso\)/.test(e.message),
    )
  })

  it('refuses two different digests of one algorithm for a name, a name it has no line for, and a file with no digests; ignores a tag whose length is not its algorithm’s', () => {
    const refused = (text: string, says: RegExp) =>
      assert.throws(
        () => digestFromChecksums(text, [{ name: 'a.iso' }], 'SUMS'),
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

  it('refuses a BLAKE2 or SHA-3 sums file by its name, whose digests would pass for SHA-512 or SHA-256', async () => {
    for (const file of ['B2SUMS', 'release.sha3-256'])
      await assert.rejects(
        readChecksumFile(file, [{ name: 'a.iso' }]),
        (e: unknown) =>
          e instanceof UsageError && /BLAKE2 and SHA-3 digests are not checked/.test(e.message),
      )
  })
})
