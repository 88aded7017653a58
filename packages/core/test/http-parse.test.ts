import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  headFromHeaders,
  headFromRecord,
  objectInfoFromHead,
  ossObjectId,
  parseContentLength,
  parseContentRange,
  parseCrc64Decimal,
  parseErrorXml,
  parseOssErrHeader,
  parseRestore,
  parseRetryAfter,
  parseUnsatisfiedRange,
  s3ObjectId,
  storeErrorFields,
  urlObjectId,
} from '@resumable/core/http'

describe('http: Content-Range and Content-Length', () => {
  it('parses satisfied ranges, with a known or unknown size', () => {
    assert.deepEqual(parseContentRange('bytes 0-99/1000'), { start: 0, end: 99, size: 1000 })
    assert.deepEqual(parseContentRange(' Bytes 5-9/* '), { start: 5, end: 9, size: undefined })
  })

  it('refuses malformed, inverted, out-of-size and unsatisfied ranges', () => {
    for (const bad of [
      'bytes 9-5/10',
      'bytes 0-10/10',
      'bytes */10',
      'items 0-1/2',
      '',
      undefined,
    ]) {
      assert.equal(parseContentRange(bad), undefined, String(bad))
    }
    assert.equal(parseContentRange('bytes 0-1/99999999999999999999'), undefined)
  })

  it('reads the size of an unsatisfied range and a plain Content-Length', () => {
    assert.equal(parseUnsatisfiedRange('bytes */1234'), 1234)
    assert.equal(parseUnsatisfiedRange('bytes 0-1/2'), undefined)
    assert.equal(parseContentLength(' 42 '), 42)
    assert.equal(parseContentLength('-1'), undefined)
    assert.equal(parseContentLength('1e3'), undefined)
    assert.equal(parseContentLength(null), undefined)
  })
})

describe('http: Retry-After', () => {
  it('takes fractional seconds: 1.5 is 1500 ms', () => {
    assert.equal(parseRetryAfter('1.5', undefined), 1500)
    assert.equal(parseRetryAfter('3', undefined), 3000)
  })

  it("measures an HTTP date against the response's Date, not the local clock", () => {
    const localClockYearsOff = Date.UTC(2001, 0, 1)
    assert.equal(
      parseRetryAfter(
        'Wed, 02 Dec 2026 12:00:10 GMT',
        'Wed, 02 Dec 2026 12:00:00 GMT',
        localClockYearsOff,
      ),
      10_000,
    )
    assert.equal(
      parseRetryAfter('Wed, 02 Dec 2026 12:00:10 GMT', undefined, Date.UTC(2026, 11, 2, 12)),
      10_000,
    )
    assert.equal(
      parseRetryAfter('Wed, 02 Dec 2026 11:00:00 GMT', 'Wed, 02 Dec 2026 12:00:00 GMT'),
      0,
    )
  })

  it('ignores what it cannot read', () => {
    assert.equal(parseRetryAfter('soon', undefined), undefined)
    assert.equal(parseRetryAfter('', undefined), undefined)
    assert.equal(parseRetryAfter(undefined, undefined), undefined)
  })
})

describe('http: error documents', () => {
  const xml =
    '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>no &amp; never</Message>' +
    '<RequestId>R1</RequestId><HostId>H1</HostId><EC>0003-00000001</EC></Error>'

  it('parses Code, Message, RequestId, HostId and EC from an OSS or S3 body', () => {
    assert.deepEqual(parseErrorXml(xml), {
      code: 'AccessDenied',
      message: 'no & never',
      requestId: 'R1',
      hostId: 'H1',
      ec: '0003-00000001',
    })
    assert.equal(parseErrorXml('<html>502</html>'), undefined)
  })

  it("reads S3's ActualObjectSize from an InvalidRange body as a byte count, and ignores one that is not", () => {
    // S3's answer to a range that starts past the object's end (its documented error fields).
    const s3 =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message>' +
      '<RangeRequested>bytes=2000-2999</RangeRequested><ActualObjectSize>1000</ActualObjectSize>' +
      '<RequestId>R2</RequestId><HostId>H2</HostId></Error>'
    assert.deepEqual(parseErrorXml(s3), {
      code: 'InvalidRange',
      message: 'The requested range is not satisfiable',
      requestId: 'R2',
      hostId: 'H2',
      actualObjectSize: 1000,
    })
    for (const bad of ['-1', '1e3', 'many', '99999999999999999999'])
      assert.equal(
        parseErrorXml(
          `<Error><Code>InvalidRange</Code><ActualObjectSize>${bad}</ActualObjectSize></Error>`,
        )?.actualObjectSize,
        undefined,
        bad,
      )
  })

  it('decodes the base64 x-oss-err header of a HEAD, and falls back to the id headers', () => {
    assert.equal(parseOssErrHeader(btoa(xml))?.code, 'AccessDenied')
    assert.equal(parseOssErrHeader('%%%'), undefined)
    const head = headFromHeaders(
      403,
      new Headers({ 'x-oss-err': btoa(xml), 'x-oss-request-id': 'HEADER-ID' }),
    )
    assert.equal(storeErrorFields(head, '').code, 'AccessDenied')
    const bare = headFromHeaders(
      503,
      new Headers({ 'x-amz-request-id': 'AMZ', 'x-amz-id-2': 'HOST', 'x-oss-ec': 'EC1' }),
    )
    assert.deepEqual(storeErrorFields(bare, ''), { requestId: 'AMZ', hostId: 'HOST', ec: 'EC1' })
  })

  it('keeps fields a client already parsed, and fills only what they lack', () => {
    const head = headFromRecord(404, { 'x-oss-request-id': 'FROM-HEADER' })
    assert.deepEqual(storeErrorFields(head, { code: 'NoSuchKey' }), {
      code: 'NoSuchKey',
      requestId: 'FROM-HEADER',
    })
  })
})

describe('http: headers → ObjectInfo', () => {
  it('reads the OSS flavour: CRC-64 decimal, version, class, restore, metadata, accept-ranges', () => {
    const head = headFromRecord(200, {
      ETag: '"ABC"',
      'last-modified': 'Tue, 24 Nov 2026 00:00:00 GMT',
      'x-oss-hash-crc64ecma': '14897370096125855628',
      'x-oss-version-id': 'v1',
      'x-oss-storage-class': 'Archive',
      'x-oss-restore': 'ongoing-request="false", expiry-date="Sun, 16 Apr 2099 08:12:33 GMT"',
      'content-type': 'text/plain',
      'x-oss-meta-owner': 'alice',
      'accept-ranges': 'bytes',
    })
    assert.deepEqual(objectInfoFromHead(head, 10, { ranged: false }), {
      size: 10,
      etag: '"ABC"',
      lastModified: 'Tue, 24 Nov 2026 00:00:00 GMT',
      versionId: 'v1',
      checksum: { algorithm: 'crc64xz', value: 14897370096125855628n },
      storageClass: 'Archive',
      restore: { ongoing: false, expiry: 'Sun, 16 Apr 2099 08:12:33 GMT' },
      contentType: 'text/plain',
      metadata: { owner: 'alice' },
      acceptRanges: true,
    })
  })

  it('reads the S3 flavour: full-object CRC-64/NVME, and not a composite one', () => {
    const full = headFromHeaders(
      200,
      new Headers({
        'x-amz-checksum-crc64nvme': 'AAAAAAAAAAE=',
        'x-amz-checksum-type': 'FULL_OBJECT',
        'x-amz-version-id': 'v2',
        'x-amz-storage-class': 'GLACIER',
        'x-amz-meta-team': 'data',
        'accept-ranges': 'none',
      }),
    )
    const info = objectInfoFromHead(full, 5, { ranged: false })
    assert.deepEqual(info.checksum, { algorithm: 'crc64nvme', value: 1n })
    assert.equal(info.versionId, 'v2')
    assert.deepEqual(info.metadata, { team: 'data' })
    assert.equal(info.acceptRanges, false)
    const composite = headFromHeaders(
      200,
      new Headers({
        'x-amz-checksum-crc64nvme': 'AAAAAAAAAAE=',
        'x-amz-checksum-type': 'COMPOSITE',
      }),
    )
    assert.equal(objectInfoFromHead(composite, 5, { ranged: false }).checksum, undefined)

    it("reads S3's full-object CRC-32 and CRC-32C, never a composite, malformed or ranged one", () => {
      const checksumOf = (headers: Record<string, string>, ranged = false) =>
        objectInfoFromHead(headFromRecord(ranged ? 206 : 200, headers), 9, { ranged }).checksum
      // CRC-32 and CRC-32C of "123456789", big-endian, base64: 0xcbf43926 and 0xe3069283.
      assert.deepEqual(
        checksumOf({ 'x-amz-checksum-crc32': 'y/Q5Jg==', 'x-amz-checksum-type': 'FULL_OBJECT' }),
        { algorithm: 'crc32', value: 0xcbf43926n },
      )
      assert.deepEqual(checksumOf({ 'x-amz-checksum-crc32c': '4waSgw==' }), {
        algorithm: 'crc32c',
        value: 0xe3069283n,
      })
      // A multipart upload's default: a CRC of the parts' CRCs, "-<parts>" after the value.
      assert.equal(
        checksumOf({ 'x-amz-checksum-crc32': 'y/Q5Jg==-3', 'x-amz-checksum-type': 'COMPOSITE' }),
        undefined,
      )
      assert.equal(checksumOf({ 'x-amz-checksum-crc32': 'y/Q5Jg==-3' }), undefined)
      assert.equal(checksumOf({ 'x-amz-checksum-crc32c': 'AAAAAAAAAAE=' }), undefined, '8 bytes')
      assert.equal(checksumOf({ 'x-amz-checksum-crc32': 'y/Q5Jg==' }, true), undefined)
      assert.deepEqual(
        checksumOf(
          { 'x-amz-checksum-crc32': 'y/Q5Jg==', 'x-amz-checksum-type': 'FULL_OBJECT' },
          true,
        ),
        { algorithm: 'crc32', value: 0xcbf43926n },
      )
    })
  })

  it("takes an S3 single-part ETag as the object's MD5, never a multipart, weak, SSE-KMS or SSE-C one, nor outside S3", () => {
    const md5Of = (headers: Record<string, string>, s3 = true) =>
      objectInfoFromHead(headFromRecord(200, headers), 5, { ranged: false, s3 }).md5
    const etag = '"9E107D9D372BB6826BD81D3542A419D6"'
    assert.equal(md5Of({ etag }), '9e107d9d372bb6826bd81d3542a419d6')
    assert.equal(
      md5Of({ etag, 'x-amz-server-side-encryption': 'AES256' }),
      '9e107d9d372bb6826bd81d3542a419d6',
    )
    assert.equal(md5Of({ etag, 'x-amz-server-side-encryption': 'aws:kms' }), undefined)
    assert.equal(md5Of({ etag, 'x-amz-server-side-encryption': 'aws:kms:dsse' }), undefined)
    assert.equal(
      md5Of({ etag, 'x-amz-server-side-encryption-customer-algorithm': 'AES256' }),
      undefined,
    )
    assert.equal(md5Of({ etag: '"9e107d9d372bb6826bd81d3542a419d6-3"' }), undefined)
    assert.equal(md5Of({ etag: 'W/"9e107d9d372bb6826bd81d3542a419d6"' }), undefined)
    assert.equal(md5Of({ etag: '"9e107d9d372bb6826bd81d3542a419"' }), undefined)
    assert.equal(md5Of({ etag }, false), undefined)
  })

  it("takes the MD5 an uploader recorded in the metadata (rclone's md5chksum, s3cmd's s3cmd-attrs) where the ETag is none, naming the header", () => {
    const infoOf = (headers: Record<string, string>, s3 = true) => {
      const { md5, md5Source } = objectInfoFromHead(headFromRecord(200, headers), 5, {
        ranged: false,
        s3,
      })
      return { md5, md5Source }
    }
    const hex = '9e107d9d372bb6826bd81d3542a419d6'
    const base64 = Buffer.from(hex, 'hex').toString('base64')
    const multipart = '"0123456789abcdef0123456789abcdef-3"'
    assert.deepEqual(infoOf({ etag: multipart, 'x-amz-meta-md5chksum': base64 }), {
      md5: hex,
      md5Source: 'x-amz-meta-md5chksum',
    })
    // Under SSE-KMS the ETag is no MD5, and rclone records one.
    assert.deepEqual(
      infoOf({
        etag: `"${'ab'.repeat(16)}"`,
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-meta-md5chksum': base64,
      }),
      { md5: hex, md5Source: 'x-amz-meta-md5chksum' },
    )
    const attrs = `atime:1516788402/ctime:1513681753/gid:20/md5:${hex.toUpperCase()}/mode:33188/uid:501`
    assert.deepEqual(infoOf({ etag: multipart, 'x-amz-meta-s3cmd-attrs': attrs }), {
      md5: hex,
      md5Source: 'x-amz-meta-s3cmd-attrs',
    })
    // s3cmd --encrypt records the plaintext's MD5 and uploads ciphertext: not the object's.
    assert.deepEqual(
      infoOf({
        etag: multipart,
        'x-amz-meta-s3cmd-attrs': attrs,
        'x-amz-meta-s3tools-gpgenc': 'gpg',
      }),
      { md5: undefined, md5Source: undefined },
    )
    // The store's own MD5 (a single-part ETag) wins over a record that disagrees.
    assert.deepEqual(infoOf({ etag: `"${'cd'.repeat(16)}"`, 'x-amz-meta-md5chksum': base64 }), {
      md5: 'cd'.repeat(16),
      md5Source: undefined,
    })
    // Malformed records prove nothing; outside S3 the MD5 is not read at all.
    const none = { md5: undefined, md5Source: undefined }
    assert.deepEqual(
      infoOf({ etag: multipart, 'x-amz-meta-md5chksum': Buffer.alloc(15).toString('base64') }),
      none,
    )
    assert.deepEqual(infoOf({ etag: multipart, 'x-amz-meta-md5chksum': '%%%' }), none)
    assert.deepEqual(infoOf({ etag: multipart, 'x-amz-meta-s3cmd-attrs': 'md5:abc/mode:1' }), none)
    assert.deepEqual(infoOf({ etag: multipart, 'x-amz-meta-md5chksum': base64 }, false), none)
  })

  it('ignores a CRC-64 that is not an unsigned 64-bit decimal', () => {
    assert.equal(parseCrc64Decimal('18446744073709551615'), (1n << 64n) - 1n)
    assert.equal(parseCrc64Decimal('18446744073709551616'), undefined)
    assert.equal(parseCrc64Decimal('0x10'), undefined)
  })

  it('parses restore states', () => {
    assert.deepEqual(parseRestore('ongoing-request="true"'), { ongoing: true })
    assert.equal(parseRestore('garbage'), undefined)
  })
})

describe('http: object ids', () => {
  it('names OSS, S3 and URL objects without credentials, the version percent-encoded', () => {
    assert.equal(ossObjectId('b', 'd/k', undefined), 'oss://b/d/k')
    assert.equal(ossObjectId('b', 'k', 'a+b/='), 'oss://b/k?versionId=a%2Bb%2F%3D')
    assert.equal(s3ObjectId('b', 'k', 'v'), 's3://b/k?versionId=v')
    assert.equal(
      urlObjectId(new URL('https://user:pw@h.example:8443/p/f.bin?X-Amz-Signature=s#frag')),
      'https://h.example:8443/p/f.bin',
    )
  })
})

describe("http: S3's SHA checksums", () => {
  // SHA-256 and SHA-1 of "abc" (FIPS 180 test vectors), as S3 sends them: base64 of the digest.
  const SHA256 = 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='
  const SHA256_HEX = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
  const SHA1 = 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0='
  const SHA1_HEX = 'a9993e364706816aba3e25717850c26c9cd0d89d'

  it('reads a FULL_OBJECT SHA-256 or SHA-1 into ObjectInfo.digest (hex), SHA-256 first', () => {
    const info = (headers: Record<string, string>, ranged = false) =>
      objectInfoFromHead(headFromRecord(ranged ? 206 : 200, headers), 3, { ranged, s3: true })
    assert.deepEqual(
      info({ 'x-amz-checksum-sha256': SHA256, 'x-amz-checksum-type': 'FULL_OBJECT' }).digest,
      { algorithm: 'sha256', value: SHA256_HEX },
    )
    assert.deepEqual(info({ 'x-amz-checksum-sha1': SHA1 }).digest, {
      algorithm: 'sha1',
      value: SHA1_HEX,
    })
    assert.deepEqual(
      info({ 'x-amz-checksum-sha1': SHA1, 'x-amz-checksum-type': 'FULL_OBJECT' }, true).digest,
      { algorithm: 'sha1', value: SHA1_HEX },
    )
  })

  it('takes no SHA that is not the object’s: COMPOSITE, ranged without a type, the wrong length, beside a CRC', () => {
    const info = (headers: Record<string, string>, ranged = false) =>
      objectInfoFromHead(headFromRecord(ranged ? 206 : 200, headers), 3, { ranged, s3: true })
    assert.equal(
      info({ 'x-amz-checksum-sha256': `${SHA256}-2`, 'x-amz-checksum-type': 'COMPOSITE' }).digest,
      undefined,
    )
    assert.equal(info({ 'x-amz-checksum-sha256': SHA256 }, true).digest, undefined)
    assert.equal(info({ 'x-amz-checksum-sha256': SHA1 }).digest, undefined)
    const withCrc = info({ 'x-amz-checksum-sha256': SHA256, 'x-amz-checksum-crc32': 'NSRBwg==' })
    assert.equal(withCrc.digest, undefined)
    assert.equal(withCrc.checksum?.algorithm, 'crc32')
  })
})

describe("http: Google Cloud Storage's x-goog-hash", () => {
  // crc32c('123456789') = 0xe3069283, as GCS sends it: base64 of the big-endian bytes.
  const crc32c = Buffer.from('e3069283', 'hex').toString('base64')
  const md5 = Buffer.from('25f9e794323b453885f5181f1b624d0b', 'hex').toString('base64')
  const checksumOf = (headers: Record<string, string>, ranged = false) =>
    objectInfoFromHead(headFromRecord(ranged ? 206 : 200, headers), 9, { ranged }).checksum

  it('takes crc32c from the two x-goog-hash fields joined, in either order, also on a 206', () => {
    const want = { algorithm: 'crc32c', value: 0xe3069283n }
    for (const joined of [`crc32c=${crc32c}, md5=${md5}`, `md5=${md5},crc32c=${crc32c}`])
      assert.deepEqual(
        checksumOf({ 'x-goog-hash': joined, 'x-goog-stored-content-encoding': 'identity' }),
        want,
      )
    // A composite object has no MD5; GCS always sends the stored encoding, a look-alike may not.
    assert.deepEqual(checksumOf({ 'x-goog-hash': `crc32c=${crc32c}` }), want)
    assert.deepEqual(checksumOf({ 'x-goog-hash': `crc32c=${crc32c}` }, true), want)
  })

  it('ignores it for an object stored compressed (its hash is not of the bytes served), of another stored length, and when malformed', () => {
    const stored = (encoding: string) =>
      checksumOf({ 'x-goog-hash': `crc32c=${crc32c}`, 'x-goog-stored-content-encoding': encoding })
    assert.equal(stored('gzip'), undefined)
    assert.equal(stored('br'), undefined)
    assert.equal(checksumOf({ 'x-goog-hash': `md5=${md5}` }), undefined)
    assert.equal(checksumOf({ 'x-goog-hash': 'crc32c=AAAAAAA=' }), undefined)
    assert.equal(checksumOf({ 'x-goog-hash': 'crc32c=%%%%' }), undefined)
    // Where a proxy dropped the stored encoding, a stored length that is not the one served tells.
    assert.equal(
      checksumOf({ 'x-goog-hash': `crc32c=${crc32c}`, 'x-goog-stored-content-length': '7' }),
      undefined,
    )
    assert.deepEqual(
      checksumOf({ 'x-goog-hash': `crc32c=${crc32c}`, 'x-goog-stored-content-length': '9' }),
      { algorithm: 'crc32c', value: 0xe3069283n },
    )
  })

  it('an OSS or S3 checksum on the same answer is preferred', () => {
    const both = { 'x-goog-hash': `crc32c=${crc32c}`, 'x-oss-hash-crc64ecma': '42' }
    assert.deepEqual(checksumOf(both), { algorithm: 'crc64xz', value: 42n })
  })
})

describe("http: digests in HTTP's own fields (Repr-Digest, Digest, Content-MD5, x-ms-blob-content-md5)", () => {
  const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64')
  const sha256 = 'ab'.repeat(32)
  const sha512 = 'cd'.repeat(64)
  const sha1 = 'ef'.repeat(20)
  const md5 = '12'.repeat(16)
  const infoOf = (headers: Record<string, string>, ranged = false) => {
    const { digest, md5, md5Source } = objectInfoFromHead(
      headFromRecord(ranged ? 206 : 200, headers),
      9,
      {
        ranged,
      },
    )
    return { digest, md5, md5Source }
  }

  it('Repr-Digest: the strongest of sha-512 and sha-256, also on a 206; its deprecated md5 is not taken', () => {
    const both = { 'repr-digest': `sha-256=:${b64(sha256)}:, sha-512=:${b64(sha512)}:` }
    assert.deepEqual(infoOf(both).digest, {
      algorithm: 'sha512',
      value: sha512,
      source: 'Repr-Digest',
    })
    assert.deepEqual(infoOf({ 'repr-digest': `sha-256=:${b64(sha256)}:` }, true).digest, {
      algorithm: 'sha256',
      value: sha256,
      source: 'Repr-Digest',
    })
    assert.deepEqual(infoOf({ 'repr-digest': `md5=:${b64(md5)}:` }), {
      digest: undefined,
      md5: undefined,
      md5Source: undefined,
    })
  })

  it('Digest (RFC 3230): SHA-256 before SHA; its MD5 as the object\'s MD5, named "Digest"; not trusted on a 206', () => {
    const fields = { digest: `MD5=${b64(md5)},SHA=${b64(sha1)}` }
    assert.deepEqual(infoOf(fields), {
      digest: { algorithm: 'sha1', value: sha1, source: 'Digest' },
      md5,
      md5Source: 'Digest',
    })
    assert.deepEqual(infoOf({ digest: `sha=${b64(sha1)}, SHA-256=${b64(sha256)}` }).digest, {
      algorithm: 'sha256',
      value: sha256,
      source: 'Digest',
    })
    // Servers differ on whether a 206's Digest is the instance's or the range's.
    assert.deepEqual(infoOf(fields, true), {
      digest: undefined,
      md5: undefined,
      md5Source: undefined,
    })
  })

  it("Content-MD5 only on an answer that is not ranged (a 206's is the range's); Azure's x-ms-blob-content-md5 on either", () => {
    assert.deepEqual(infoOf({ 'content-md5': b64(md5) }), {
      digest: undefined,
      md5,
      md5Source: 'Content-MD5',
    })
    assert.equal(infoOf({ 'content-md5': b64(md5) }, true).md5, undefined)
    assert.deepEqual(
      infoOf({ 'x-ms-blob-content-md5': b64(md5), 'content-md5': b64('34'.repeat(16)) }, true),
      {
        digest: undefined,
        md5,
        md5Source: 'x-ms-blob-content-md5',
      },
    )
  })

  it('malformed values and the digest of an empty body prove nothing; a store checksum or S3 SHA comes first', () => {
    const none = { digest: undefined, md5: undefined, md5Source: undefined }
    assert.deepEqual(infoOf({ 'repr-digest': `sha-256=:${b64('ab'.repeat(31))}:` }), none)
    assert.deepEqual(infoOf({ digest: 'SHA-256=not base64!' }), none)
    assert.deepEqual(infoOf({ 'content-md5': b64('12'.repeat(15)) }), none)
    // The hash of an empty body (a server hashing what a HEAD sends) is not a 9-byte object's.
    assert.deepEqual(infoOf({ 'content-md5': b64('d41d8cd98f00b204e9800998ecf8427e') }), none)
    const emptySha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    assert.deepEqual(infoOf({ 'repr-digest': `sha-256=:${b64(emptySha256)}:` }), none)
    // An empty Content-MD5 does not hide a real MD5 in Digest.
    assert.deepEqual(
      infoOf({ 'content-md5': b64('d41d8cd98f00b204e9800998ecf8427e'), digest: `MD5=${b64(md5)}` }),
      { digest: undefined, md5, md5Source: 'Digest' },
    )
    // Size 0: an empty object (or a 416's error body, or an unknown length) has nothing to check.
    const zero = objectInfoFromHead(
      headFromRecord(200, { 'content-md5': b64(md5), 'repr-digest': `sha-256=:${b64(sha256)}:` }),
      0,
      { ranged: false },
    )
    assert.deepEqual([zero.md5, zero.digest], [undefined, undefined])
    const s3 = {
      'x-amz-checksum-sha256': b64(sha256),
      'repr-digest': `sha-512=:${b64(sha512)}:`,
    }
    assert.deepEqual(infoOf(s3).digest, { algorithm: 'sha256', value: sha256 })
    const crc = { 'x-oss-hash-crc64ecma': '42', 'repr-digest': `sha-512=:${b64(sha512)}:` }
    assert.equal(infoOf(crc).digest, undefined)
  })
})
