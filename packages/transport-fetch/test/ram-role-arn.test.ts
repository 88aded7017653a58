import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { type StsServer, startAlibabaStsServer } from '@resumable/testkit/node'
import { type RamRoleArnOptions, ramRoleArnCredentials } from '../src/index.ts'
import { rpcSignature } from '../src/ram-role-arn.ts'
import { downloadSignedWith, refusalHiding } from './helpers/role-credentials.ts'

// A RAM role assumed with STS AssumeRole, signed by a RAM user's AccessKey, against a loopback STS
// that recomputes the signature.
const USER = { accessKeyId: 'LTAI-user-key-id', secretAccessKey: 'user-secret-never-shown' }
const KEYS = {
  accessKeyId: 'STS.assumed-key-id',
  secretAccessKey: 'assumed-secret-never-shown',
  sessionToken: 'assumed-token-never-shown',
}
const ROLE_ARN = 'acs:ram::1234567890123456:role/oss-reader'
let sts: StsServer

before(async () => {
  sts = await startAlibabaStsServer({ roleArn: ROLE_ARN, keys: KEYS, signer: USER })
})
afterEach(() => {
  sts.requests.length = 0
  Object.assign(sts.behaviour, { signer: USER, externalId: undefined, fault: undefined })
})
after(async () => {
  await sts.close()
})

const options = (more: Partial<RamRoleArnOptions> = {}): RamRoleArnOptions => ({
  credentials: () => USER,
  roleArn: ROLE_ARN,
  endpoint: sts.endpoint,
  ...more,
})

const refusal = (promise: unknown) =>
  refusalHiding(promise, [USER.secretAccessKey, KEYS.secretAccessKey, KEYS.sessionToken])

describe('rpcSignature', () => {
  it("reproduces the example of Alibaba Cloud's RPC signature documentation", async () => {
    const params = {
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      Format: 'XML',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0',
      Timestamp: '2016-02-23T12:46:24Z',
      Version: '2014-05-26',
    }
    assert.equal(await rpcSignature('GET', params, 'testsecret'), 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=')
  })
})

describe('ramRoleArnCredentials', () => {
  it('signs AssumeRole with the user key (STS recomputes it) and maps the answer', async () => {
    assert.deepEqual(await ramRoleArnCredentials(options({ roleSessionName: 'nightly' }))(), KEYS)
    const [request] = sts.requests
    assert.equal(request?.query.Action, 'AssumeRole')
    assert.equal(request?.query.AccessKeyId, USER.accessKeyId)
    assert.equal(request?.query.SecurityToken, undefined)
    assert.deepEqual(request?.form, {
      RoleArn: ROLE_ARN,
      RoleSessionName: 'nightly',
      DurationSeconds: '3600',
    })
    // The secret signs; it is never sent.
    assert.ok(!JSON.stringify(request).includes(USER.secretAccessKey))
  })

  it('a signer with a security token sends it, and each call has its own nonce', async () => {
    const signer = { ...USER, sessionToken: 'signer-token' }
    sts.behaviour.signer = signer
    await ramRoleArnCredentials(options({ credentials: () => signer }))()
    await ramRoleArnCredentials(options({ credentials: () => signer }))()
    assert.equal(sts.requests[0]?.query.SecurityToken, 'signer-token')
    assert.notEqual(sts.requests[0]?.query.SignatureNonce, sts.requests[1]?.query.SignatureNonce)
  })

  it('a wrong secret is SignatureDoesNotMatch: auth, not retryable, no secret or token in any spelling', async () => {
    // STS echoes its string to sign, where the signer's token appears percent-encoded twice.
    const token = 'CAIS+signer/token=='
    sts.behaviour.signer = { ...USER, sessionToken: token }
    const wrong = { ...USER, secretAccessKey: 'not-the-secret', sessionToken: token }
    const provider = ramRoleArnCredentials(
      options({
        credentials: () => wrong,
        // Short values, so that STS's message reaches the token within what is shown of it.
        roleArn: 'acs:ram::1:role/r',
        roleSessionName: 'ab',
        durationSeconds: 900,
      }),
    )
    const error = await refusal(provider())
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, false)
    assert.equal(error.code, 'SignatureDoesNotMatch')
    assert.match(error.message, /Specified signature is not matched/)
    for (const spelling of ['not-the-secret', token, 'signer%2Ftoken', 'signer%252Ftoken'])
      assert.ok(!error.message.includes(spelling), error.message)
  })

  it('an external ID the trust policy requires is sent when given, refused when missing', async () => {
    sts.behaviour.externalId = 'abcd1234'
    const missing = await refusal(ramRoleArnCredentials(options())())
    assert.equal(missing.code, 'NoPermission')
    assert.deepEqual(await ramRoleArnCredentials(options({ externalId: 'abcd1234' }))(), KEYS)
    assert.equal(sts.requests[1]?.form.ExternalId, 'abcd1234')
  })

  it('asks the signing provider again at each renewal, and shares one request meanwhile', async () => {
    let asked = 0
    const provider = ramRoleArnCredentials(
      options({
        credentials: () => {
          asked++
          return USER
        },
      }),
    )
    await Promise.all([provider(), provider()])
    await provider()
    assert.equal(asked, 1)
    assert.equal(sts.requests.length, 1)
  })

  it("a role assumed with another role's keys and token (the chained profile)", async () => {
    const first = ramRoleArnCredentials(options())
    await first()
    // STS now takes the first role's keys, with their token, as the signer.
    sts.behaviour.signer = KEYS
    assert.deepEqual(await ramRoleArnCredentials(options({ credentials: first }))(), KEYS)
    assert.equal(sts.requests.length, 2)
    assert.equal(sts.requests[1]?.query.AccessKeyId, KEYS.accessKeyId)
    assert.equal(sts.requests[1]?.query.SecurityToken, KEYS.sessionToken)
  })

  it('signs every request of an OSS download with the assumed keys and token, asking STS once', async () => {
    await downloadSignedWith(ramRoleArnCredentials(options()), KEYS)
    assert.equal(sts.requests.length, 1)
  })
})
