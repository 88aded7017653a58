import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { readEnv } from '../src/env.ts'
import { createOssTransport, createS3Transport, credentialsFromEnv } from '../src/index.ts'
import { fakeFetch, objectServer } from './helpers/fake-fetch.ts'

const NAMES = [
  'OSS_ACCESS_KEY_ID',
  'OSS_ACCESS_KEY_SECRET',
  'OSS_SESSION_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
]
const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
  .process.env
const saved = Object.fromEntries(NAMES.map((n) => [n, env[n]]))

function setEnv(values: Record<string, string>): void {
  for (const n of NAMES) delete env[n]
  Object.assign(env, values)
}

afterEach(() => {
  for (const n of NAMES) {
    const v = saved[n]
    if (v === undefined) delete env[n]
    else env[n] = v
  }
})

const served = { bytes: makeBytes(10), headers: { etag: '"E"' } }

describe('credentials', () => {
  it('reads the OSS_* and AWS_* families from the environment (trimmed)', () => {
    setEnv({
      OSS_ACCESS_KEY_ID: 'ossid',
      OSS_ACCESS_KEY_SECRET: 'osssecret\n',
      AWS_ACCESS_KEY_ID: 'awsid',
      AWS_SECRET_ACCESS_KEY: 'awssecret',
      AWS_SESSION_TOKEN: 'awstoken',
    })
    assert.equal(readEnv('OSS_ACCESS_KEY_SECRET'), 'osssecret')
    assert.deepEqual(credentialsFromEnv('oss'), {
      accessKeyId: 'ossid',
      secretAccessKey: 'osssecret',
    })
    assert.deepEqual(credentialsFromEnv('aws'), {
      accessKeyId: 'awsid',
      secretAccessKey: 'awssecret',
      sessionToken: 'awstoken',
    })
    setEnv({})
    assert.equal(credentialsFromEnv('oss'), undefined)
  })

  it('the oss family falls back to ALIBABA_CLOUD_*, and OSS_* wins when both are set', () => {
    setEnv({
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'aliid',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'alisecret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'alitoken',
    })
    assert.deepEqual(credentialsFromEnv('oss'), {
      accessKeyId: 'aliid',
      secretAccessKey: 'alisecret',
      sessionToken: 'alitoken',
    })
    setEnv({
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'aliid',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'alisecret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'alitoken',
      OSS_ACCESS_KEY_ID: 'ossid',
      OSS_ACCESS_KEY_SECRET: 'osssecret',
    })
    assert.deepEqual(credentialsFromEnv('oss'), {
      accessKeyId: 'ossid',
      secretAccessKey: 'osssecret',
    })
  })

  it('OSS mode signs with OSS_* env keys and the OSS_SESSION_TOKEN', async () => {
    setEnv({
      OSS_ACCESS_KEY_ID: 'envak',
      OSS_ACCESS_KEY_SECRET: 'envsk',
      OSS_SESSION_TOKEN: 'envtoken',
    })
    const f = fakeFetch(objectServer(served))
    await createOssTransport({ bucket: 'bkt', key: 'k', region: 'cn-hangzhou', fetch: f }).stat()
    assert.match(f.calls[0]?.headers.get('authorization') ?? '', /Credential=envak\//)
    assert.equal(f.calls[0]?.headers.get('x-oss-security-token'), 'envtoken')
  })

  it('S3 mode uses AWS_* env, and OSS_* env for an aliyuncs.com endpoint', async () => {
    setEnv({ AWS_ACCESS_KEY_ID: 'awsak', AWS_SECRET_ACCESS_KEY: 'awssk' })
    const f = fakeFetch(objectServer(served))
    await createS3Transport({ bucket: 'bkt', key: 'k', region: 'us-east-1', fetch: f }).stat()
    assert.match(f.calls[0]?.headers.get('authorization') ?? '', /Credential=awsak\//)
    setEnv({ OSS_ACCESS_KEY_ID: 'ossak', OSS_ACCESS_KEY_SECRET: 'osssk' })
    const g = fakeFetch(objectServer(served))
    await createS3Transport({
      bucket: 'bkt',
      key: 'k',
      endpoint: 'https://s3.oss-cn-shanghai.aliyuncs.com',
      fetch: g,
    }).stat()
    assert.match(
      g.calls[0]?.headers.get('authorization') ?? '',
      /Credential=ossak\/\d{8}\/cn-shanghai\/s3\//,
    )
  })

  it('no credentials anywhere is an OptionsError naming the variables, before any request', () => {
    setEnv({})
    assert.throws(
      () => createOssTransport({ bucket: 'bkt', key: 'k', region: 'cn-hangzhou' }),
      (e: Error) => {
        assert.equal(e.name, 'OptionsError')
        assert.match(e.message, /OSS_ACCESS_KEY_ID \+ OSS_ACCESS_KEY_SECRET/)
        return true
      },
    )
    assert.throws(
      () => createS3Transport({ bucket: 'bkt', key: 'k', region: 'us-east-1' }),
      /AWS_ACCESS_KEY_ID/,
    )
  })

  it('a provider is called per request, so rotated STS tokens are used (OSS and S3)', async () => {
    for (const make of [
      (
        c: () => { accessKeyId: string; secretAccessKey: string; sessionToken: string },
        f: ReturnType<typeof fakeFetch>,
      ) =>
        createOssTransport({
          bucket: 'bkt',
          key: 'k',
          region: 'cn-hangzhou',
          credentials: c,
          fetch: f,
        }),
      (
        c: () => { accessKeyId: string; secretAccessKey: string; sessionToken: string },
        f: ReturnType<typeof fakeFetch>,
      ) =>
        createS3Transport({
          bucket: 'bkt',
          key: 'k',
          region: 'us-east-1',
          credentials: c,
          fetch: f,
        }),
    ]) {
      let n = 0
      const f = fakeFetch(objectServer(served))
      const t = make(
        () => ({ accessKeyId: `id${n}`, secretAccessKey: `sk${n}`, sessionToken: `token${n++}` }),
        f,
      )
      const info = await t.stat()
      await t.read({ start: 0, end: 4, object: info })
      const tokens = f.calls.map(
        (c) => c.headers.get('x-oss-security-token') ?? c.headers.get('x-amz-security-token'),
      )
      assert.deepEqual(tokens, ['token0', 'token1'])
      assert.match(f.calls[1]?.headers.get('authorization') ?? '', /Credential=id1\//)
    }
  })

  it('rejects credentials with whitespace without echoing them', async () => {
    const f = fakeFetch(objectServer(served))
    const t = createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      fetch: f,
      credentials: () => ({
        accessKeyId: 'id',
        secretAccessKey: 'sk',
        sessionToken: 'bad token\n',
      }),
    })
    await assert.rejects(t.stat(), (e: Error) => {
      assert.equal(e.name, 'OptionsError')
      assert.ok(!e.message.includes('bad token'))
      return true
    })
    assert.equal(f.calls.length, 0)
  })

  it('anonymous mode needs no credentials', async () => {
    setEnv({})
    const f = fakeFetch(objectServer(served))
    await createS3Transport({
      bucket: 'bkt',
      key: 'k',
      region: 'us-east-1',
      anonymous: true,
      fetch: f,
    }).stat()
    assert.equal(f.calls[0]?.headers.has('authorization'), false)
  })
})
