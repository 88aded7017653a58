import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { isTransportError, type TransportError } from '@resumable/core'
import { MockOss, makeBytes } from '@resumable/testkit'
import {
  type EcsMetadataServer,
  ecsRoleCredentials,
  type MockOssServer,
  startEcsMetadataServer,
  startMockOss,
} from '@resumable/testkit/node'
import { createOssTransport, ecsRamRoleCredentials } from '../src/index.ts'
import { downloadSignedWith, refusalHiding } from './helpers/role-credentials.ts'

// The ECS instance RAM role, against a loopback metadata server standing in for 100.100.100.200.
const KEYS = {
  accessKeyId: 'STS.role-access-key-id',
  secretAccessKey: 'role-secret-never-shown',
  sessionToken: 'role-security-token-never-shown',
}
const SIX_HOURS = 6 * 3600_000
const PATH = '/latest/meta-data/ram/security-credentials/'
let imds: EcsMetadataServer

before(async () => {
  imds = await startEcsMetadataServer({ credentials: ecsRoleCredentials(KEYS, SIX_HOURS) })
})
afterEach(() => {
  imds.requests.length = 0
  Object.assign(imds.behaviour, {
    tokenStatus: 200,
    credentialsStatus: 200,
    silent: false,
    credentials: ecsRoleCredentials(KEYS, SIX_HOURS),
  })
})
after(async () => {
  await imds.close()
})

const credentialRequests = (): number =>
  imds.requests.filter((r) => r.path === `${PATH}${imds.behaviour.role}`).length

/** The provider's rejection, an `auth` TransportError free of the secret and the tokens. */
async function refusal(promise: unknown): Promise<TransportError> {
  const secrets = [KEYS.secretAccessKey, KEYS.sessionToken, imds.behaviour.token]
  const error = await refusalHiding(promise, secrets)
  assert.equal(error.kind, 'auth')
  return error
}

describe('ecsRamRoleCredentials', () => {
  it('asks for a token, discovers the role, and maps its credentials (token sent on both GETs)', async () => {
    const credentials = await ecsRamRoleCredentials({ endpoint: imds.endpoint })()
    assert.deepEqual(credentials, KEYS)
    assert.deepEqual(
      imds.requests.map((r) => [r.method, r.path]),
      [
        ['PUT', '/latest/api/token'],
        ['GET', PATH],
        ['GET', `${PATH}${imds.behaviour.role}`],
      ],
    )
    assert.equal(imds.requests[0]?.headers['x-aliyun-ecs-metadata-token-ttl-seconds'], '21600')
    for (const r of imds.requests.slice(1))
      assert.equal(r.headers['x-aliyun-ecs-metadata-token'], imds.behaviour.token)
  })

  it('a given role name is asked for directly, without discovery', async () => {
    await ecsRamRoleCredentials({ endpoint: imds.endpoint, roleName: imds.behaviour.role })()
    assert.deepEqual(
      imds.requests.map((r) => r.path),
      ['/latest/api/token', `${PATH}${imds.behaviour.role}`],
    )
  })

  for (const status of [403, 404])
    it(`a token PUT answered ${status} falls back to requests without a token`, async () => {
      imds.behaviour.tokenStatus = status
      assert.deepEqual(await ecsRamRoleCredentials({ endpoint: imds.endpoint })(), KEYS)
      assert.equal(credentialRequests(), 1)
      for (const r of imds.requests.slice(1))
        assert.equal(r.headers['x-aliyun-ecs-metadata-token'], undefined)
    })

  it('with imdsV1Fallback: false, a refused token PUT is a typed error and no GET is sent', async () => {
    imds.behaviour.tokenStatus = 403
    const provider = ecsRamRoleCredentials({ endpoint: imds.endpoint, imdsV1Fallback: false })
    const error = await refusal(provider())
    assert.match(error.message, /token.*status 403.*imdsV1Fallback: false/)
    assert.equal(error.retryable, false)
    assert.deepEqual(
      imds.requests.map((r) => r.method),
      ['PUT'],
    )
  })

  it('a Code other than Success is a typed error naming the Code and the role', async () => {
    imds.behaviour.credentials = { ...ecsRoleCredentials(KEYS, SIX_HOURS), Code: 'Failed' }
    const error = await refusal(ecsRamRoleCredentials({ endpoint: imds.endpoint })())
    assert.match(error.message, /Code "Failed".*RAM role "EcsRoleOfTheTest"/)
    assert.equal(error.retryable, false)
  })

  it('an unknown role name is a typed error naming it', async () => {
    const provider = ecsRamRoleCredentials({ endpoint: imds.endpoint, roleName: 'NoSuchRole' })
    const error = await refusal(provider())
    assert.match(error.message, /no RAM role "NoSuchRole" \(status 404\)/)
  })

  it('a failing credentials answer (its body holding the secret) is a retryable typed error without it', async () => {
    imds.behaviour.credentialsStatus = 500
    const error = await refusal(ecsRamRoleCredentials({ endpoint: imds.endpoint })())
    assert.match(error.message, /status 500/)
    assert.equal(error.retryable, true)
  })

  it('a server that never answers is a retryable typed error within the timeout', async () => {
    imds.behaviour.silent = true
    const started = Date.now()
    const provider = ecsRamRoleCredentials({ endpoint: imds.endpoint, timeoutMs: 300 })
    const error = await refusal(provider())
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`)
    assert.match(error.message, /did not answer within 300 ms.*ECS instance with a RAM role/)
    assert.equal(error.retryable, true)
  })

  it('fresh credentials are reused, concurrent callers share one request', async () => {
    const provider = ecsRamRoleCredentials({ endpoint: imds.endpoint })
    await Promise.all([provider(), provider(), provider()])
    await provider()
    assert.equal(credentialRequests(), 1)
  })

  it('credentials within 15 minutes of Expiration are fetched again', async () => {
    imds.behaviour.credentials = ecsRoleCredentials(KEYS, 10 * 60_000)
    const provider = ecsRamRoleCredentials({ endpoint: imds.endpoint })
    await Promise.all([provider(), provider()])
    assert.equal(credentialRequests(), 1)
    await provider()
    assert.equal(credentialRequests(), 2)
  })

  it('after a failure the next call asks again', async () => {
    imds.behaviour.credentialsStatus = 503
    const provider = ecsRamRoleCredentials({ endpoint: imds.endpoint })
    await refusal(provider())
    imds.behaviour.credentialsStatus = 200
    assert.deepEqual(await provider(), KEYS)
    assert.equal(credentialRequests(), 2)
  })

  it('a failed refresh keeps the stale but unexpired credentials', async () => {
    imds.behaviour.credentials = ecsRoleCredentials(KEYS, 10 * 60_000)
    const provider = ecsRamRoleCredentials({ endpoint: imds.endpoint })
    await provider()
    imds.behaviour.credentialsStatus = 500
    assert.deepEqual(await provider(), KEYS)
    assert.equal(credentialRequests(), 2)
  })
})

describe('an OSS download with the instance role', () => {
  const bytes = makeBytes(3 * 1024 * 1024 + 5)
  let store: MockOssServer
  before(async () => {
    store = await startMockOss({ oss: new MockOss({ credentials: KEYS }) })
    store.oss.putObject('bkt', 'role/object.bin', { bytes })
  })
  after(async () => {
    await store.close()
  })

  const transport = (credentials: Parameters<typeof createOssTransport>[0]['credentials']) =>
    createOssTransport({
      bucket: 'bkt',
      key: 'role/object.bin',
      region: 'cn-hangzhou',
      endpoint: store.url,
      ...(credentials ? { credentials } : {}),
    })

  it('the store refuses the role keys without the security token', async () => {
    const { sessionToken: _, ...keysOnly } = KEYS
    const error = await transport(keysOnly)
      .stat()
      .catch((e: unknown) => e)
    assert.ok(isTransportError(error))
    assert.equal(error.code, 'InvalidSecurityToken')
  })

  it('downloads through createOssTransport, every request signed with the role and its token', async () => {
    await downloadSignedWith(ecsRamRoleCredentials({ endpoint: imds.endpoint }), KEYS)
    assert.equal(credentialRequests(), 1)
  })
})
