import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import {
  type MockOssServer,
  type StsServer,
  startAlibabaStsServer,
  startForwardProxy,
  startMockOss,
} from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment, runCliProcess } from './helpers.ts'

// oss:// credentials from a RAM role assumed with an OIDC token (RRSA), as ACK's webhook sets it
// up: a loopback STS at ALIBABA_CLOUD_STS_ENDPOINT, the token in a file; the store checks the
// STS token on every request.
const KEYS = {
  accessKeyId: 'STS.cli-oidc-ak',
  secretAccessKey: 'cli-oidc-secret',
  sessionToken: 'cli-oidc-security-token',
}
const ROLE_ARN = 'acs:ram::1234567890123456:role/cli-reader'
const PROVIDER_ARN = 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-cli'
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGkifQ.token-of-the-cli-test'
const SIZE = 200_003
const onNode = !('Deno' in globalThis) && !('Bun' in globalThis)
let store: MockOssServer
let sts: StsServer
let dir = ''
let tokenFile = ''
let crc: bigint | undefined

before(async () => {
  store = await startMockOss()
  store.oss.credentials = KEYS
  crc = store.oss.putObject('bucket', 'rrsa/a.bin', { generated: { size: SIZE, seed: 31 } }).crc64
  store.oss.putObject('bucket', 'rrsa/b.bin', { generated: { size: 999, seed: 32 } })
  sts = await startAlibabaStsServer({
    roleArn: ROLE_ARN,
    oidcProviderArn: PROVIDER_ARN,
    oidcToken: JWT,
    keys: KEYS,
  })
  dir = await mkdtemp(join(tmpdir(), 'cli-oidc-role-'))
  tokenFile = join(dir, 'token')
  // As Kubernetes projects it: the JWT and a trailing newline.
  await writeFile(tokenFile, `${JWT}\n`)
})
after(async () => {
  await store.close()
  await sts.close()
  await rm(dir, { recursive: true, force: true })
})

const rrsaEnv = (): Record<string, string> => ({
  ALIBABA_CLOUD_ROLE_ARN: ROLE_ARN,
  ALIBABA_CLOUD_OIDC_PROVIDER_ARN: PROVIDER_ARN,
  ALIBABA_CLOUD_OIDC_TOKEN_FILE: tokenFile,
  ALIBABA_CLOUD_STS_ENDPOINT: sts.endpoint,
  ALIBABA_CLOUD_ROLE_SESSION_NAME: 'cli-test-session',
})
const TRANSPORTS = [['--transport', 'fetch'], []] as const
const name = (t: readonly string[]): string => (t.length ? 'fetch' : 'ali-oss')

async function runInProcess(env: Record<string, string>, args: readonly string[], dest: string) {
  const { cli, text } = fakeEnvironment({ env, files: filePlaces, aliOss: aliOssFactory(env) })
  const argv = ['get', 'oss://bucket/rrsa/a.bin', dest, '--region', 'cn-hangzhou']
  const code = await main([...argv, '--endpoint', store.url, '--retries', '0', ...args], cli)
  return { code, text: text() }
}

async function sameBytes(path: string): Promise<void> {
  assert.equal(crc64('crc64xz', new Uint8Array(await readFile(path))), crc)
}

describe('oss:// with a RAM role assumed with an OIDC token (RRSA)', () => {
  for (const transport of TRANSPORTS) {
    it(`${name(transport)}: assumes the role once with the file's token, every store request carries its STS token`, async () => {
      sts.requests.length = 0
      store.oss.resetCounters()
      const dest = join(dir, `rrsa-${name(transport)}.bin`)
      const { code, text } = await runInProcess(rrsaEnv(), transport, dest)
      assert.equal(code, 0, text)
      await sameBytes(dest)
      assert.equal(sts.requests.length, 1)
      assert.equal(sts.requests[0]?.form.OIDCToken, JWT)
      assert.equal(sts.requests[0]?.form.RoleSessionName, 'cli-test-session')
      assert.ok(store.oss.served.log.length > 0)
      for (const r of store.oss.served.log)
        assert.equal(r.headers['x-oss-security-token'], KEYS.sessionToken)
    })

    it(`${name(transport)}: keys in the environment win over the role, which is then never asked`, async () => {
      sts.requests.length = 0
      const env = {
        ...rrsaEnv(),
        ALIBABA_CLOUD_ACCESS_KEY_ID: KEYS.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEYS.secretAccessKey,
        ALIBABA_CLOUD_SECURITY_TOKEN: KEYS.sessionToken,
      }
      const dest = join(dir, `keys-win-${name(transport)}.bin`)
      const { code, text } = await runInProcess(env, transport, dest)
      assert.equal(code, 0, text)
      assert.equal(sts.requests.length, 0)
    })

    it(`${name(transport)}: a token STS refuses fails with its Code and RequestId, the token never printed`, async () => {
      const wrong = join(dir, 'wrong-token')
      await writeFile(wrong, 'eyJ.not-the-token-sts-knows.sig')
      const env = { ...rrsaEnv(), ALIBABA_CLOUD_OIDC_TOKEN_FILE: wrong }
      const dest = join(dir, `refused-${name(transport)}.bin`)
      const { code, text } = await runInProcess(env, transport, dest)
      assert.equal(code, 1, text)
      assert.match(text, /AuthenticationFail\.OIDCToken\.Invalid/)
      assert.match(text, /STS-REQUEST-\d+/)
      for (const secret of ['not-the-token-sts-knows', JWT, KEYS.secretAccessKey])
        assert.ok(!text.includes(secret), text)
      await assert.rejects(readFile(dest), { code: 'ENOENT' })
    })
  }

  it('a partial RRSA set is a usage error naming what is missing, before any request', async () => {
    sts.requests.length = 0
    const {
      ALIBABA_CLOUD_OIDC_PROVIDER_ARN: _,
      ALIBABA_CLOUD_OIDC_TOKEN_FILE: __,
      ...partial
    } = rrsaEnv()
    const { code, text } = await runInProcess(partial, ['--transport', 'fetch'], join(dir, 'p.bin'))
    assert.equal(code, 2, text)
    assert.match(
      text,
      /ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE are not set/,
    )
    assert.equal(sts.requests.length, 0)
  })

  it('a role ARN that is not one is a usage error naming its variable', async () => {
    const env = { ...rrsaEnv(), ALIBABA_CLOUD_ROLE_ARN: 'cli-reader' }
    const { code, text } = await runInProcess(env, [], join(dir, 'arn.bin'))
    assert.equal(code, 2, text)
    assert.match(text, /ALIBABA_CLOUD_ROLE_ARN: .*acs:ram::<account id>:role\/<name>/)
  })

  it('without any credentials the usage error names the RRSA variables too', async () => {
    const { code, text } = await runInProcess({}, [], join(dir, 'none.bin'))
    assert.equal(code, 2, text)
    for (const variable of ['ALIBABA_CLOUD_ROLE_ARN', 'ALIBABA_CLOUD_OIDC_TOKEN_FILE'])
      assert.ok(text.includes(variable), `${variable} missing from: ${text}`)
  })
})

describe('oss:// with RRSA, as a real process', () => {
  const baseEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(OSS_|ALIBABA_CLOUD_|AWS_)/.test(k)),
  )

  it('a --recursive batch lists and downloads with the role, assuming it once, -q silent', async () => {
    sts.requests.length = 0
    const out = join(dir, 'batch')
    const args = ['get', '--recursive', 'oss://bucket/rrsa/', out, '--region', 'cn-hangzhou', '-q']
    const result = await runCliProcess([...args, '--endpoint', store.url], {
      ...baseEnv,
      ...rrsaEnv(),
    })
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    await sameBytes(join(out, 'a.bin'))
    assert.equal((await readFile(join(out, 'b.bin'))).length, 999)
    assert.equal(sts.requests.length, 1)
  })

  // Node's own fetch ignores the proxy variables; Deno's and Bun's read them themselves.
  it('on Node, with http_proxy set, STS is asked through the proxy like the store', {
    skip: !onNode,
  }, async () => {
    sts.requests.length = 0
    const proxy = await startForwardProxy()
    try {
      const dest = join(dir, 'proxied.bin')
      const args = ['get', 'oss://bucket/rrsa/a.bin', dest, '--region', 'cn-hangzhou', '-q']
      const result = await runCliProcess(
        [...args, '--transport', 'fetch', '--endpoint', store.url],
        {
          ...baseEnv,
          ...rrsaEnv(),
          http_proxy: proxy.url,
        },
      )
      assert.equal(result.code, 0, result.stderr)
      await sameBytes(dest)
      assert.equal(sts.requests.length, 1)
      const lines = proxy.requests.map((r) => r.line)
      const stsOrigin = new URL(sts.endpoint).origin
      assert.ok(
        lines.some((line) => line.startsWith(`POST ${stsOrigin}/?`)),
        `no STS call among: ${lines.join(' | ')}`,
      )
      assert.ok(lines.some((line) => line.startsWith(`GET ${new URL(store.url).origin}/`)))
    } finally {
      await proxy.close()
    }
  })
})
