import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import { withClockAhead } from '@resumable/testkit'
import {
  type EcsMetadataServer,
  ecsRoleCredentials,
  type MockOssServer,
  startEcsMetadataServer,
  startMockOss,
} from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment, runCliProcess } from './helpers.ts'

// oss:// credentials from Alibaba Cloud's variables and from the ECS instance RAM role (a loopback
// metadata server at ALIBABA_CLOUD_IMDS_ENDPOINT); the store checks the STS token too.
const ROLE_KEYS = {
  accessKeyId: 'STS.cli-role-ak',
  secretAccessKey: 'cli-role-secret',
  sessionToken: 'cli-role-token',
}
const ROLE = 'CliRoleOfTheTest'
const SIZE = 300_007
let store: MockOssServer
let imds: EcsMetadataServer
let dir = ''
let crc: bigint | undefined

before(async () => {
  store = await startMockOss()
  store.oss.credentials = ROLE_KEYS
  crc = store.oss.putObject('bucket', 'role/a.bin', { generated: { size: SIZE, seed: 21 } }).crc64
  store.oss.putObject('bucket', 'role/b.bin', { generated: { size: 1000, seed: 22 } })
  imds = await startEcsMetadataServer({
    role: ROLE,
    credentials: ecsRoleCredentials(ROLE_KEYS, 6 * 3600_000),
  })
  dir = await mkdtemp(join(tmpdir(), 'cli-ecs-role-'))
})
after(async () => {
  await store.close()
  await imds.close()
  await rm(dir, { recursive: true, force: true })
})

const ALIBABA_KEYS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: ROLE_KEYS.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: ROLE_KEYS.secretAccessKey,
  ALIBABA_CLOUD_SECURITY_TOKEN: ROLE_KEYS.sessionToken,
}
const ROLE_ENV = { ALIBABA_CLOUD_ECS_METADATA: ROLE }
const TRANSPORTS = [['--transport', 'fetch'], []] as const
const name = (t: readonly string[]): string => (t.length ? 'fetch' : 'ali-oss')

async function runInProcess(env: Record<string, string>, args: readonly string[], dest: string) {
  const { cli, text } = fakeEnvironment({ env, files: filePlaces, aliOss: aliOssFactory(env) })
  const argv = ['get', 'oss://bucket/role/a.bin', dest, '--region', 'cn-hangzhou']
  const code = await main([...argv, '--endpoint', store.url, ...args], cli)
  return { code, text: text() }
}

async function sameBytes(path: string): Promise<void> {
  assert.equal(crc64('crc64xz', new Uint8Array(await readFile(path))), crc)
}

describe('oss:// with ALIBABA_CLOUD_* keys', () => {
  for (const transport of TRANSPORTS) {
    it(`${name(transport)}: ALIBABA_CLOUD_* alone signs (token included), and OSS_* wins over it`, async () => {
      const alone = join(dir, `alibaba-${name(transport)}.bin`)
      const first = await runInProcess(ALIBABA_KEYS, transport, alone)
      assert.equal(first.code, 0, first.text)
      await sameBytes(alone)
      const env = {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'wrong-id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong-secret',
        OSS_ACCESS_KEY_ID: ROLE_KEYS.accessKeyId,
        OSS_ACCESS_KEY_SECRET: ROLE_KEYS.secretAccessKey,
        OSS_SESSION_TOKEN: ROLE_KEYS.sessionToken,
      }
      const both = join(dir, `wins-${name(transport)}.bin`)
      const second = await runInProcess(env, transport, both)
      assert.equal(second.code, 0, second.text)
      await sameBytes(both)
    })

    it(`${name(transport)}: without credentials the usage error names every way to give them`, async () => {
      const { code, text } = await runInProcess({}, transport, join(dir, 'none.bin'))
      assert.equal(code, 2, text)
      for (const variable of [
        'OSS_ACCESS_KEY_ID',
        'ALIBABA_CLOUD_ACCESS_KEY_ID',
        'ALIBABA_CLOUD_SECURITY_TOKEN',
        'ALIBABA_CLOUD_ECS_METADATA=<name of its RAM role>',
        '--no-sign-request',
      ])
        assert.ok(text.includes(variable), `${variable} missing from: ${text}`)
    })

    it(`${name(transport)}: the role signs in-process, and ALIBABA_CLOUD_ECS_METADATA_DISABLED turns it off`, async () => {
      const env = { ...ROLE_ENV, ALIBABA_CLOUD_IMDS_ENDPOINT: imds.endpoint }
      const dest = join(dir, `role-in-process-${name(transport)}.bin`)
      const enabled = await runInProcess(env, transport, dest)
      assert.equal(enabled.code, 0, enabled.text)
      await sameBytes(dest)
      imds.requests.length = 0
      const off = { ...env, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'TRUE' }
      const disabled = await runInProcess(off, transport, join(dir, 'disabled.bin'))
      assert.equal(disabled.code, 2, disabled.text)
      assert.match(disabled.text, /oss:\/\/ needs credentials/)
      assert.equal(imds.requests.length, 0)
    })
  }
})

describe('ali-oss with the ECS instance RAM role', () => {
  it('renews the role keys through refreshSTSToken once they near expiry', async () => {
    const env = { ...ROLE_ENV, ALIBABA_CLOUD_IMDS_ENDPOINT: imds.endpoint }
    const transport = await aliOssFactory(env)(
      { bucket: 'bucket', key: 'role/b.bin' },
      {
        endpoint: store.url,
        region: 'cn-hangzhou',
        versionId: undefined,
        transport: undefined,
        pathStyle: false,
        requestPayer: false,
        noSignRequest: false,
        sseCustomerKeyFile: undefined,
        trafficLimit: undefined,
      },
    )
    assert.equal((await transport.stat()).size, 1000)
    // The role rotates: the store takes only the new keys, which the metadata server now hands out.
    const rotated = { ...ROLE_KEYS, accessKeyId: 'STS.rotated-ak', sessionToken: 'rotated-token' }
    imds.behaviour.credentials = ecsRoleCredentials(rotated, 12 * 3600_000)
    store.oss.credentials = rotated
    // 5 h 50 min later: past ali-oss's 5-minute refresh interval, within the role's last 15 minutes.
    try {
      const size = await withClockAhead(
        (5 * 60 + 50) * 60_000,
        async () => (await transport.stat()).size,
      )
      assert.equal(size, 1000)
    } finally {
      imds.behaviour.credentials = ecsRoleCredentials(ROLE_KEYS, 6 * 3600_000)
      store.oss.credentials = ROLE_KEYS
    }
  })
})

describe('oss:// with the ECS instance RAM role (ALIBABA_CLOUD_ECS_METADATA), as a real process', () => {
  const baseEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(OSS_|ALIBABA_CLOUD_|AWS_)/.test(k)),
  )
  // A function: the metadata server's port is known only after before().
  const env = () => ({ ...baseEnv, ...ROLE_ENV, ALIBABA_CLOUD_IMDS_ENDPOINT: imds.endpoint })

  for (const transport of TRANSPORTS) {
    it(`${name(transport)}: downloads with the role's keys and token, -q silent`, async () => {
      imds.requests.length = 0
      store.oss.resetCounters()
      const dest = join(dir, `role-${name(transport)}.bin`)
      const args = ['get', 'oss://bucket/role/a.bin', dest, '--region', 'cn-hangzhou', '-q']
      const result = await runCliProcess([...args, '--endpoint', store.url, ...transport], env())
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stderr, '')
      await sameBytes(dest)
      assert.ok(store.oss.served.log.length > 0)
      for (const r of store.oss.served.log)
        assert.equal(r.headers['x-oss-security-token'], ROLE_KEYS.sessionToken)
      assert.deepEqual(
        imds.requests.map((r) => [r.method, r.path]),
        [
          ['PUT', '/latest/api/token'],
          ['GET', `/latest/meta-data/ram/security-credentials/${ROLE}`],
        ],
      )
    })
  }

  it('a --recursive batch lists and downloads with the role, asking the metadata server once', async () => {
    imds.requests.length = 0
    const out = join(dir, 'batch')
    const args = ['get', '--recursive', 'oss://bucket/role/', out, '--region', 'cn-hangzhou', '-q']
    const result = await runCliProcess([...args, '--endpoint', store.url], env())
    assert.equal(result.code, 0, result.stderr)
    await sameBytes(join(out, 'a.bin'))
    assert.equal((await readFile(join(out, 'b.bin'))).length, 1000)
    assert.equal(imds.requests.filter((r) => r.method === 'GET').length, 1)
  })

  it('a role the metadata server does not know fails naming it, no secret printed', async () => {
    const args = [
      'get',
      'oss://bucket/role/a.bin',
      join(dir, 'unknown.bin'),
      '--region',
      'cn-hangzhou',
    ]
    const result = await runCliProcess([...args, '--endpoint', store.url, '--retries', '0'], {
      ...env(),
      ALIBABA_CLOUD_ECS_METADATA: 'NoSuchRole',
    })
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, /no RAM role "NoSuchRole"/)
    for (const secret of [ROLE_KEYS.secretAccessKey, ROLE_KEYS.sessionToken, imds.behaviour.token])
      assert.ok(!result.stderr.includes(secret))
  })
})
