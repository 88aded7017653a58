import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { handleOssRequest, type MockCredentials, MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'

const BASE = 'https://examplebucket.s3.us-east-1.amazonaws.com'
const CREDENTIALS: MockCredentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 's3-secret' }

/** A SigV4 Authorization header that parses but does not verify (the mock answers it in S3's dialect). */
function sigV4(id: string): Record<string, string> {
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${id}/20261208/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
  }
}

function model(options: ConstructorParameters<typeof MockOss>[0] = {}): MockOss {
  const oss = new MockOss(options)
  oss.putObject('examplebucket', 'obj.bin', { bytes: new Uint8Array(100).fill(7) })
  return oss
}

function ask(oss: MockOss, path: string, init: RequestInit = {}): Promise<Response> {
  return handleOssRequest(oss, new Request(`${BASE}/${path}`, init))
}

function element(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]
}

function ossHeaders(res: Response): string[] {
  return [...res.headers.keys()].filter((n) => n.startsWith('x-oss-'))
}

/** S3's error envelope: Code, Message, RequestId and HostId, the ids in x-amz-* headers, nothing of OSS. */
function assertS3Error(res: Response, xml: string, code: string, message: string): void {
  assert.equal(element(xml, 'Code'), code)
  assert.equal(element(xml, 'Message'), message)
  assert.equal(element(xml, 'RequestId'), res.headers.get('x-amz-request-id'))
  assert.equal(element(xml, 'HostId'), res.headers.get('x-amz-id-2'))
  assert.ok(res.headers.get('x-amz-id-2'), 'x-amz-id-2 is set')
  assert.equal(element(xml, 'EC'), undefined, 'S3 has no EC element')
  assert.deepEqual(ossHeaders(res), [])
}

describe('the mock in S3 dialect answers as S3', () => {
  it("S3's 416 InvalidRange says 'The requested range is not satisfiable', with RangeRequested, ActualObjectSize and S3 ids", async () => {
    const res = await ask(model({ dialect: 's3' }), 'obj.bin', {
      headers: { range: 'bytes=100-200' },
    })
    assert.equal(res.status, 416)
    const xml = await res.text()
    assertS3Error(res, xml, 'InvalidRange', 'The requested range is not satisfiable')
    assert.equal(element(xml, 'RangeRequested'), 'bytes=100-200')
    assert.equal(element(xml, 'ActualObjectSize'), '100')
  })

  it('a SigV4 request gets the S3 416 without the dialect being fixed', async () => {
    const res = await ask(model(), 'obj.bin', { headers: { range: 'bytes=100-', ...sigV4('x') } })
    assert.equal(res.status, 416)
    assertS3Error(res, await res.text(), 'InvalidRange', 'The requested range is not satisfiable')
  })

  it('OSS keeps its own 416 wording, EC and x-oss-request-id', async () => {
    const res = await ask(model(), 'obj.bin', {
      headers: { range: 'bytes=100-200', 'x-oss-range-behavior': 'standard' },
    })
    assert.equal(res.status, 416)
    const xml = await res.text()
    assert.equal(element(xml, 'Message'), 'The requested range cannot be satisfied')
    assert.match(element(xml, 'EC') ?? '', /^0002-/)
    assert.equal(element(xml, 'RequestId'), res.headers.get('x-oss-request-id'))
    assert.equal(res.headers.get('x-amz-request-id'), null)
  })

  it('an anonymous request to a private S3 bucket gets 403 AccessDenied "Access Denied" with x-amz ids (over a socket)', async () => {
    const server = await startMockOss({ oss: model({ dialect: 's3', credentials: CREDENTIALS }) })
    try {
      const res = await fetch(`${server.url}/examplebucket/obj.bin`)
      assert.equal(res.status, 403)
      assertS3Error(res, await res.text(), 'AccessDenied', 'Access Denied')
      const head = await fetch(`${server.url}/examplebucket/obj.bin`, { method: 'HEAD' })
      assert.equal(head.status, 403)
      assert.ok(head.headers.get('x-amz-request-id'))
      assert.deepEqual(ossHeaders(head), [], 'no x-oss-err on an S3 HEAD')
    } finally {
      await server.close()
    }
  })

  it('an anonymous request in OSS dialect is still refused the OSS way', async () => {
    const res = await ask(model({ credentials: CREDENTIALS }), 'obj.bin')
    assert.equal(res.status, 403)
    const xml = await res.text()
    assert.equal(
      element(xml, 'Message'),
      'You have no right to access this object because of bucket acl.',
    )
    assert.ok(res.headers.get('x-oss-request-id'))
    assert.ok(res.headers.get('x-oss-ec'))
  })

  it('a wrong SigV4 key id or signature gets S3 codes and wording', async () => {
    const oss = model({ credentials: CREDENTIALS })
    const unknown = await ask(oss, 'obj.bin', { headers: sigV4('NOPE') })
    assert.equal(unknown.status, 403)
    assertS3Error(
      unknown,
      await unknown.text(),
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    )
    const wrong = await ask(oss, 'obj.bin', { headers: sigV4(CREDENTIALS.accessKeyId) })
    assert.equal(wrong.status, 403)
    assertS3Error(
      wrong,
      await wrong.text(),
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    )
  })

  it('S3 names the missing key, the missing bucket and the failed condition in its errors', async () => {
    const oss = model({ dialect: 's3' })
    const key = await ask(oss, 'missing.bin')
    const keyXml = await key.text()
    assertS3Error(key, keyXml, 'NoSuchKey', 'The specified key does not exist.')
    assert.equal(element(keyXml, 'Key'), 'missing.bin')
    const bucket = await handleOssRequest(oss, new Request('http://127.0.0.1:9/nobucket/k'))
    const bucketXml = await bucket.text()
    assertS3Error(bucket, bucketXml, 'NoSuchBucket', 'The specified bucket does not exist')
    assert.equal(element(bucketXml, 'BucketName'), 'nobucket')
    const changed = await ask(oss, 'obj.bin', { headers: { 'if-match': '"OTHER"' } })
    assert.equal(changed.status, 412)
    const changedXml = await changed.text()
    assertS3Error(
      changed,
      changedXml,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
    )
    assert.equal(element(changedXml, 'Condition'), 'If-Match')
  })

  it('an S3 HEAD error has no body and no x-oss-err', async () => {
    const res = await ask(model({ dialect: 's3' }), 'missing.bin', { method: 'HEAD' })
    assert.equal(res.status, 404)
    assert.equal(await res.text(), '')
    assert.ok(res.headers.get('x-amz-request-id'))
    assert.deepEqual(ossHeaders(res), [])
  })

  it('S3 object headers are x-amz-*: request ids, version id, restore, a non-STANDARD storage class only', async () => {
    const oss = new MockOss({ dialect: 's3' })
    oss.createBucket('examplebucket', { versioning: true })
    const plain = oss.putObject('examplebucket', 'obj.bin', { bytes: new Uint8Array(10) })
    oss.putObject('examplebucket', 'cold.bin', {
      bytes: new Uint8Array(10),
      storageClass: 'Archive',
    })
    oss.restoreObject('examplebucket', 'cold.bin', 'ongoing')
    const head = await ask(oss, 'obj.bin', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.deepEqual(ossHeaders(head), [])
    assert.ok(head.headers.get('x-amz-request-id'))
    assert.ok(head.headers.get('x-amz-id-2'))
    assert.equal(head.headers.get('x-amz-storage-class'), null, 'S3 leaves out STANDARD')
    assert.equal(head.headers.get('x-amz-version-id'), plain.versionId)
    const cold = await ask(oss, 'cold.bin', { method: 'HEAD' })
    assert.equal(cold.headers.get('x-amz-storage-class'), 'GLACIER')
    assert.equal(cold.headers.get('x-amz-restore'), 'ongoing-request="true"')
    assert.deepEqual(ossHeaders(cold), [])
  })

  it('S3 serves a text object as stored even to a client that accepts gzip', async () => {
    const oss = new MockOss({ dialect: 's3' })
    oss.putObject('examplebucket', 'page.txt', {
      bytes: new Uint8Array(4096).fill(65),
      contentType: 'text/plain',
    })
    const res = await ask(oss, 'page.txt', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(res.headers.get('content-encoding'), null)
    assert.ok(res.headers.get('etag'))
    assert.equal((await res.arrayBuffer()).byteLength, 4096)
  })

  it("S3's ListObjectsV2 carries x-amz-id-2, a canonical owner id, and names a bad argument", async () => {
    const oss = model({ dialect: 's3' })
    const listed = await ask(oss, '?list-type=2&fetch-owner=true')
    assert.equal(listed.status, 200)
    assert.ok(listed.headers.get('x-amz-id-2'))
    assert.match(element(await listed.text(), 'ID') ?? '', /^[0-9a-f]{64}$/)
    const bad = await ask(oss, '?list-type=2&encoding-type=base64')
    assert.equal(bad.status, 400)
    const xml = await bad.text()
    assert.equal(element(xml, 'Code'), 'InvalidArgument')
    assert.equal(element(xml, 'ArgumentName'), 'encoding-type')
    assert.equal(element(xml, 'ArgumentValue'), 'base64')
    assert.deepEqual(ossHeaders(bad), [])
  })
})
