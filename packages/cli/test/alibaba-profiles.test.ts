import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import {
  type MockOssServer,
  type StsServer,
  startAlibabaStsServer,
  startMockOss,
} from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { findAlibabaProfile } from '../src/alibaba-profiles.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { ossAccess } from '../src/sources.ts'
import { UsageError } from '../src/usage-error.ts'
import { fakeEnvironment } from './helpers.ts'

// oss:// credentials from the aliyun CLI's ~/.aliyun/config.json and from
// ~/.alibabacloud/credentials, in a home of the test's own (HOME).
const SECRET = 'profile-secret-never-shown'
const USER = { accessKeyId: 'LTAI-profile-user', secretAccessKey: SECRET }
const KEYS = {
  accessKeyId: 'STS.profile-assumed',
  secretAccessKey: 'profile-assumed-secret',
  sessionToken: 'profile-assumed-token',
}
const ROLE_ARN = 'acs:ram::1234567890123456:role/profile-reader'
let home = ''

beforeEach(async () => {
  await rm(home, { recursive: true, force: true })
  home = await mkdtemp(join(tmpdir(), 'cli-alibaba-home-'))
})
after(async () => {
  await rm(home, { recursive: true, force: true })
})

async function cliConfig(current: string, profiles: readonly Record<string, unknown>[]) {
  await mkdir(join(home, '.aliyun'), { recursive: true })
  await writeFile(join(home, '.aliyun', 'config.json'), JSON.stringify({ current, profiles }))
}
async function credentialsFile(text: string, path = join(home, '.alibabacloud', 'credentials')) {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, text)
}
const ak = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  mode: 'AK',
  access_key_id: USER.accessKeyId,
  access_key_secret: SECRET,
  ...extra,
})

/** The UsageError `find` throws, checked to hold no secret. */
function refused(find: () => unknown, pattern: RegExp): void {
  assert.throws(find, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e))
    assert.ok(!e.message.includes(SECRET), e.message)
    assert.match(e.message, pattern)
    return true
  })
}

describe('findAlibabaProfile', () => {
  it('finds nothing in a home without either file', () => {
    assert.equal(findAlibabaProfile({ HOME: home }), undefined)
  })

  it("takes the aliyun CLI's current profile, or the one ALIBABA_CLOUD_PROFILE names", async () => {
    await cliConfig('dev', [ak('default'), ak('dev', { access_key_id: 'LTAI-dev' })])
    const current = findAlibabaProfile({ HOME: home })
    assert.deepEqual(current?.source, {
      kind: 'keys',
      accessKeyId: 'LTAI-dev',
      secretAccessKey: SECRET,
    })
    assert.match(current?.name ?? '', /profile "dev" of .*config\.json/)
    const named = findAlibabaProfile({ HOME: home, ALIBABA_CLOUD_PROFILE: 'default' })
    assert.equal(named?.source.kind === 'keys' && named.source.accessKeyId, USER.accessKeyId)
  })

  it('reads StsToken, EcsRamRole, RamRoleArn, ChainableRamRoleArn, OIDC and CredentialsURI profiles', async () => {
    await cliConfig('sts', [
      { ...ak('sts'), mode: 'StsToken', sts_token: 'tok' },
      { name: 'ecs', mode: 'EcsRamRole', ram_role_name: 'EcsReader' },
      ak('arn', {
        mode: 'RamRoleArn',
        ram_role_arn: ROLE_ARN,
        ram_session_name: 'laptop',
        expired_seconds: 900,
        sts_region: 'cn-shanghai',
        enable_vpc: true,
      }),
      {
        name: 'chain',
        mode: 'ChainableRamRoleArn',
        source_profile: 'arn',
        ram_role_arn: `${ROLE_ARN}2`,
      },
      {
        name: 'oidc',
        mode: 'OIDC',
        ram_role_arn: ROLE_ARN,
        oidc_provider_arn: 'acs:ram::1:oidc-provider/p',
        oidc_token_file: '/var/run/token',
      },
      { name: 'uri', mode: 'CredentialsURI', credentials_uri: 'http://127.0.0.1:1/c' },
    ])
    const source = (name: string) =>
      findAlibabaProfile({ HOME: home, ALIBABA_CLOUD_PROFILE: name })?.source
    assert.deepEqual(source('sts'), { ...USER, kind: 'keys', sessionToken: 'tok' })
    assert.deepEqual(source('ecs'), { kind: 'ecs-role', roleName: 'EcsReader' })
    const arn = {
      kind: 'assume-role',
      signer: { kind: 'keys', ...USER },
      roleArn: ROLE_ARN,
      roleSessionName: 'laptop',
      durationSeconds: 900,
      region: 'cn-shanghai',
      vpc: true,
    }
    assert.deepEqual(source('arn'), arn)
    assert.deepEqual(source('chain'), { kind: 'assume-role', signer: arn, roleArn: `${ROLE_ARN}2` })
    assert.deepEqual(source('oidc'), {
      kind: 'oidc-role',
      roleArn: ROLE_ARN,
      oidcProviderArn: 'acs:ram::1:oidc-provider/p',
      oidcTokenFile: '/var/run/token',
    })
    assert.deepEqual(source('uri'), { kind: 'uri', uri: 'http://127.0.0.1:1/c' })
  })

  it('refuses, naming file and profile but never the secret: an unusable mode, a missing key, a loop, bad JSON', async () => {
    await cliConfig('sso', [
      { ...ak('sso'), mode: 'CloudSSO' },
      ak('half', { access_key_id: '' }),
      { name: 'loop', mode: 'ChainableRamRoleArn', source_profile: 'loop', ram_role_arn: ROLE_ARN },
    ])
    refused(
      () => findAlibabaProfile({ HOME: home }),
      /profile "sso" of .*config\.json has mode "CloudSSO"/,
    )
    refused(
      () => findAlibabaProfile({ HOME: home, ALIBABA_CLOUD_PROFILE: 'half' }),
      /profile "half" .* \(mode AK\) has no access_key_id/,
    )
    refused(
      () => findAlibabaProfile({ HOME: home, ALIBABA_CLOUD_PROFILE: 'loop' }),
      /source_profile "loop" is part of a loop/,
    )
    await writeFile(join(home, '.aliyun', 'config.json'), `{"current": "x", "secret": "${SECRET}"`)
    refused(() => findAlibabaProfile({ HOME: home }), /config\.json is not JSON/)
  })

  it('a profile ALIBABA_CLOUD_PROFILE names that no file has is a usage error', async () => {
    await cliConfig('default', [ak('default')])
    refused(
      () => findAlibabaProfile({ HOME: home, ALIBABA_CLOUD_PROFILE: 'prod' }),
      /ALIBABA_CLOUD_PROFILE names "prod", but no profile of that name is in .*config\.json or .*credentials/,
    )
  })

  it('the credentials file: [default] unless named, its three types, moved by ALIBABA_CLOUD_CREDENTIALS_FILE', async () => {
    await credentialsFile(
      [
        '# comment',
        '[default]',
        'type = access_key',
        `access_key_id = ${USER.accessKeyId}`,
        `access_key_secret = ${SECRET}`,
        '[ecs]',
        'type = ecs_ram_role',
        'role_name = EcsReader',
        '[arn]',
        'type = ram_role_arn',
        `access_key_id = ${USER.accessKeyId}`,
        `access_key_secret = ${SECRET}`,
        `role_arn = ${ROLE_ARN}`,
        '[odd]',
        'type = rsa_key_pair',
      ].join('\n'),
    )
    const env = { HOME: home }
    assert.deepEqual(findAlibabaProfile(env)?.source, { kind: 'keys', ...USER })
    assert.deepEqual(findAlibabaProfile({ ...env, ALIBABA_CLOUD_PROFILE: 'ecs' })?.source, {
      kind: 'ecs-role',
      roleName: 'EcsReader',
    })
    assert.deepEqual(findAlibabaProfile({ ...env, ALIBABA_CLOUD_PROFILE: 'arn' })?.source, {
      kind: 'assume-role',
      signer: { kind: 'keys', ...USER },
      roleArn: ROLE_ARN,
    })
    refused(
      () => findAlibabaProfile({ ...env, ALIBABA_CLOUD_PROFILE: 'odd' }),
      /has type "rsa_key_pair"/,
    )
    const moved = join(home, 'elsewhere.ini')
    await credentialsFile('[default]\ntype = ecs_ram_role\nrole_name = Moved\n', moved)
    assert.deepEqual(
      findAlibabaProfile({ ...env, ALIBABA_CLOUD_CREDENTIALS_FILE: moved })?.source,
      {
        kind: 'ecs-role',
        roleName: 'Moved',
      },
    )
    refused(
      () => findAlibabaProfile({ ...env, ALIBABA_CLOUD_CREDENTIALS_FILE: join(home, 'none') }),
      /ALIBABA_CLOUD_CREDENTIALS_FILE ".*none" cannot be read/,
    )
  })

  it("the aliyun CLI's profile comes first, unless ALIBABA_CLOUD_CLI_PROFILE_DISABLED", async () => {
    await cliConfig('default', [{ name: 'default', mode: 'EcsRamRole', ram_role_name: 'FromCli' }])
    await credentialsFile('[default]\ntype = ecs_ram_role\nrole_name = FromFile\n')
    const roleOf = (env: Record<string, string>) => {
      const source = findAlibabaProfile({ HOME: home, ...env })?.source
      return source?.kind === 'ecs-role' ? source.roleName : undefined
    }
    assert.equal(roleOf({}), 'FromCli')
    assert.equal(roleOf({ ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' }), 'FromFile')
  })
})

describe("oss:// region from the user's Alibaba Cloud setup", () => {
  const flags = {
    endpoint: undefined,
    region: undefined,
    transport: 'fetch' as const,
    requestPayer: false,
    noSignRequest: false,
  }
  const keys = { OSS_ACCESS_KEY_ID: USER.accessKeyId, OSS_ACCESS_KEY_SECRET: SECRET }

  it("takes the aliyun CLI profile's region_id, else ALIBABA_CLOUD_REGION_ID over it, and --region over both", async () => {
    await cliConfig('default', [ak('default', { region_id: 'cn-shanghai' })])
    assert.equal(ossAccess(flags, { ...keys, HOME: home }).region, 'cn-shanghai')
    const env = { ...keys, HOME: home, ALIBABA_CLOUD_REGION_ID: 'cn-beijing' }
    assert.equal(ossAccess(flags, env).region, 'cn-beijing')
    assert.equal(ossAccess({ ...flags, region: 'eu-central-1' }, env).region, 'eu-central-1')
  })

  it('an endpoint given is not joined by a region of the profile (its host names its own); a broken profile gives no region', async () => {
    await cliConfig('default', [ak('default', { region_id: 'cn-shanghai' })])
    const env = { ...keys, HOME: home, OSS_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com' }
    assert.equal(ossAccess(flags, env).region, 'cn-hangzhou')
    await writeFile(join(home, '.aliyun', 'config.json'), 'not json')
    refused(
      () => ossAccess(flags, { ...keys, HOME: home }),
      /oss:\/\/ needs --region .*ALIBABA_CLOUD_REGION_ID/,
    )
  })
})

describe('oss:// with a profile, end to end', () => {
  let store: MockOssServer
  let sts: StsServer
  let dest = ''
  let crc: bigint | undefined
  before(async () => {
    store = await startMockOss()
    crc = store.oss.putObject('bucket', 'profile/a.bin', {
      generated: { size: 150_001, seed: 41 },
    }).crc64
    sts = await startAlibabaStsServer({ roleArn: ROLE_ARN, keys: KEYS, signer: USER })
    dest = await mkdtemp(join(tmpdir(), 'cli-alibaba-profile-out-'))
  })
  after(async () => {
    await store.close()
    await sts.close()
    await rm(dest, { recursive: true, force: true })
  })

  async function get(env: Record<string, string>, transport: readonly string[], name: string) {
    const { cli, text } = fakeEnvironment({ env, files: filePlaces, aliOss: aliOssFactory(env) })
    const path = join(dest, name)
    const argv = ['get', 'oss://bucket/profile/a.bin', path, '--region', 'cn-hangzhou']
    const code = await main([...argv, '--endpoint', store.url, '--retries', '0', ...transport], cli)
    return { code, text: text(), path }
  }

  for (const transport of [['--transport', 'fetch'], []] as const) {
    const name = transport.length ? 'fetch' : 'ali-oss'

    it(`${name}: an AK profile of the aliyun CLI signs`, async () => {
      store.oss.credentials = USER
      await cliConfig('default', [ak('default')])
      const { code, text, path } = await get({ HOME: home }, transport, `ak-${name}.bin`)
      assert.equal(code, 0, text)
      assert.equal(crc64('crc64xz', new Uint8Array(await readFile(path))), crc)
    })

    it(`${name}: a RamRoleArn profile assumes the role once (signature checked) and signs with it`, async () => {
      store.oss.credentials = KEYS
      store.oss.resetCounters()
      sts.requests.length = 0
      await cliConfig('reader', [
        ak('reader', { mode: 'RamRoleArn', ram_role_arn: ROLE_ARN, sts_endpoint: sts.endpoint }),
      ])
      const { code, text, path } = await get({ HOME: home }, transport, `arn-${name}.bin`)
      assert.equal(code, 0, text)
      assert.equal(crc64('crc64xz', new Uint8Array(await readFile(path))), crc)
      assert.equal(sts.requests.length, 1)
      assert.equal(sts.requests[0]?.query.Action, 'AssumeRole')
      for (const r of store.oss.served.log)
        assert.equal(r.headers['x-oss-security-token'], KEYS.sessionToken)
    })
  }

  it('a profile whose role STS refuses fails with its Code, the secret never printed', async () => {
    await cliConfig('bad', [
      ak('bad', {
        mode: 'RamRoleArn',
        access_key_secret: 'wrong-secret-never-shown',
        ram_role_arn: ROLE_ARN,
        sts_endpoint: sts.endpoint,
      }),
    ])
    const { code, text } = await get({ HOME: home }, ['--transport', 'fetch'], 'bad.bin')
    assert.equal(code, 1, text)
    assert.match(text, /SignatureDoesNotMatch/)
    assert.ok(!text.includes('wrong-secret-never-shown'), text)
  })

  it('ALIBABA_CLOUD_CREDENTIALS_URI, last in the chain, is asked once per environment and its keys sign', async () => {
    store.oss.credentials = KEYS
    let asked = 0
    const server = createServer((_req, res) => {
      asked++
      const expiration = new Date(Date.now() + 3600_000).toISOString()
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          Code: 'Success',
          AccessKeyId: KEYS.accessKeyId,
          AccessKeySecret: KEYS.secretAccessKey,
          SecurityToken: KEYS.sessionToken,
          Expiration: expiration,
        }),
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credentials`
      const env = { HOME: home, ALIBABA_CLOUD_CREDENTIALS_URI: uri }
      for (const transport of [['--transport', 'fetch'], []]) {
        const { code, text } = await get(env, transport, `uri-${transport.length}.bin`)
        assert.equal(code, 0, text)
      }
      // Both runs share the environment, and so its provider and the credentials it holds.
      assert.equal(asked, 1)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('keys in the environment win over the profile, which is then not read', async () => {
    store.oss.credentials = USER
    await mkdir(join(home, '.aliyun'), { recursive: true })
    await writeFile(join(home, '.aliyun', 'config.json'), 'not json')
    const env = {
      HOME: home,
      OSS_ACCESS_KEY_ID: USER.accessKeyId,
      OSS_ACCESS_KEY_SECRET: USER.secretAccessKey,
    }
    const { code, text } = await get(env, ['--transport', 'fetch'], 'env-wins.bin')
    assert.equal(code, 0, text)
  })
})
