import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import { MockOss } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { parseAwsConfig } from '../src/aws-config-file.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { s3Access } from '../src/sources.ts'
import { fakeEnvironment } from './helpers.ts'

const KEY_ID = 'AKIACONFIGENDPOINT'
const SECRET = 'config-endpoint-secret-5e1f'
const SIZE = 300_007

// `right` holds the object; `wrong` is an empty store that answers NoSuchBucket at once, so a
// download sent to the endpoint that should have lost fails fast instead of passing.
let right: MockOssServer
let wrong: MockOssServer
let dir = ''
let crc: bigint | undefined
let n = 0

before(async () => {
  const credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET }
  right = await startMockOss({ oss: new MockOss({ credentials }) })
  wrong = await startMockOss({ oss: new MockOss({ credentials }) })
  crc = right.oss.putObject('bkt', 'o.bin', { generated: { size: SIZE, seed: 21 } }).crc64
  right.oss.putObject('bkt', 'tree/a.txt', { bytes: new TextEncoder().encode('a') })
  right.oss.putObject('bkt', 'tree/b/c.txt', { bytes: new TextEncoder().encode('c') })
  dir = await mkdtemp(join(tmpdir(), 'cli-config-endpoint-'))
})
after(async () => {
  await right.close()
  await wrong.close()
  await rm(dir, { recursive: true, force: true })
})

type Env = Record<string, string>
const KEYS: Env = {
  AWS_ACCESS_KEY_ID: KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET,
  AWS_REGION: 'us-east-1',
}

/** An environment whose AWS config file (and home) is a fresh temporary file holding `config`. */
async function withConfig(config: string, extra: Env = KEYS): Promise<Env> {
  const home = await mkdtemp(join(dir, 'home-'))
  const file = join(home, 'config')
  await writeFile(file, config)
  return { HOME: home, AWS_CONFIG_FILE: file, AWS_EC2_METADATA_DISABLED: 'true', ...extra }
}

async function get(env: Env, extra: string[] = []) {
  const { cli, text } = fakeEnvironment({ env, files: filePlaces, aliOss: aliOssFactory(env) })
  const dest = join(dir, `out-${++n}.bin`)
  const code = await main(['get', 's3://bkt/o.bin', dest, ...extra], cli)
  return { code, text: text(), dest }
}

async function downloadedFromRight(env: Env, extra: string[] = []): Promise<void> {
  const before = right.oss.served.log.length
  const r = await get(env, extra)
  assert.equal(r.code, 0, r.text)
  assert.equal(crc64('crc64xz', new Uint8Array(await readFile(r.dest))), crc)
  assert.ok(right.oss.served.log.length > before, 'the requests went to the configured endpoint')
}

const noSign = { endpoint: undefined, region: 'us-east-1', pathStyle: false, noSignRequest: true }

describe('s3:// endpoint from the AWS config file', () => {
  it("downloads from the default profile's endpoint_url though the keys and region come from the environment", async () => {
    await downloadedFromRight(await withConfig(`[default]\nendpoint_url = ${right.url}\n`))
  })

  it("signs with the credentials file's profile and goes to the config file's endpoint_url (no AWS_* keys)", async () => {
    const env = await withConfig(`[default]\nregion = us-east-1\nendpoint_url = ${right.url}\n`, {})
    const credentials = join(env.HOME as string, 'credentials')
    await writeFile(
      credentials,
      `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
    )
    await downloadedFromRight({ ...env, AWS_SHARED_CREDENTIALS_FILE: credentials })
  })

  it('reads the profile AWS_PROFILE names ([profile dev]), not [default]', async () => {
    const env = await withConfig(
      `[default]\nendpoint_url = ${wrong.url}\n\n[profile dev]\nendpoint_url = ${right.url}\n`,
    )
    await downloadedFromRight({ ...env, AWS_PROFILE: 'dev' })
  })

  it("the services section's s3 endpoint_url wins over the profile's endpoint_url; only s3 applies", async () => {
    const env = await withConfig(
      [
        '[profile dev]',
        `endpoint_url = ${wrong.url}`,
        'services = local',
        '',
        '[services local]',
        'dynamodb =',
        `  endpoint_url = ${wrong.url}`,
        's3 =',
        `  endpoint_url = ${right.url}`,
        'sts =',
        `  endpoint_url = ${wrong.url}`,
        '',
      ].join('\n'),
    )
    await downloadedFromRight({ ...env, AWS_PROFILE: 'dev' })
  })

  it("a services section without s3 leaves the profile's endpoint_url in force", async () => {
    const env = await withConfig(
      [
        '[default]',
        'services = others',
        `endpoint_url = ${right.url}`,
        '[services others]',
        'dynamodb =',
        `  endpoint_url = ${wrong.url}`,
        '',
      ].join('\n'),
    )
    await downloadedFromRight(env)
  })

  it('AWS_ENDPOINT_URL wins over the services section', async () => {
    const env = await withConfig(
      `[default]\nservices = s\n[services s]\ns3 =\n  endpoint_url = ${wrong.url}\n`,
    )
    await downloadedFromRight({ ...env, AWS_ENDPOINT_URL: right.url })
  })

  it('AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL, --endpoint over AWS_ENDPOINT_URL_S3', async () => {
    const env = await withConfig(`[default]\nendpoint_url = ${wrong.url}\n`)
    await downloadedFromRight({
      ...env,
      AWS_ENDPOINT_URL_S3: right.url,
      AWS_ENDPOINT_URL: wrong.url,
    })
    await downloadedFromRight({ ...env, AWS_ENDPOINT_URL_S3: wrong.url }, ['--endpoint', right.url])
  })

  it('--recursive lists and downloads through the configured endpoint', async () => {
    const env = await withConfig(`[default]\nendpoint_url = ${right.url}\n`)
    const { cli, text } = fakeEnvironment({ env, files: filePlaces, aliOss: aliOssFactory(env) })
    const dest = join(dir, 'tree')
    assert.equal(await main(['get', 's3://bkt/tree/', dest, '--recursive'], cli), 0, text())
    assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'a')
    assert.equal(await readFile(join(dest, 'b', 'c.txt'), 'utf8'), 'c')
  })
})

describe('ignore_configured_endpoint_urls', () => {
  const config = `[default]\nendpoint_url = ${'http://127.0.0.1:9'}\n`

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns off the environment and the config file', async () => {
    const env = await withConfig(config, { AWS_ENDPOINT_URL: 'http://127.0.0.1:8' })
    assert.equal((await s3Access(noSign, env)).endpoint, 'http://127.0.0.1:8')
    const ignoring: Env = { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }
    assert.equal((await s3Access(noSign, ignoring)).endpoint, undefined)
    const { AWS_ENDPOINT_URL: _, ...configOnly } = ignoring
    assert.equal((await s3Access(noSign, configOnly)).endpoint, undefined)
  })

  it("the profile's ignore_configured_endpoint_urls = true turns off both; the variable set to false overrides it", async () => {
    const env = await withConfig(`${config}ignore_configured_endpoint_urls = true\n`, {
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:8',
    })
    assert.equal((await s3Access(noSign, env)).endpoint, undefined)
    const { AWS_ENDPOINT_URL_S3: _, ...configOnly } = env
    assert.equal((await s3Access(noSign, configOnly)).endpoint, undefined)
    const overridden = { ...configOnly, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' }
    assert.equal((await s3Access(noSign, overridden)).endpoint, 'http://127.0.0.1:9')
  })

  it('--endpoint applies whatever the switch says', async () => {
    const env = await withConfig(`[default]\nendpoint_url = ${wrong.url}\n`)
    await downloadedFromRight({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, [
      '--endpoint',
      right.url,
    ])
  })
})

describe('bad endpoint configuration', () => {
  it('a profile naming a services section the file lacks: exit 2, naming the file and profile', async () => {
    const env = await withConfig('[profile dev]\nservices = nowhere\n')
    const r = await get({ ...env, AWS_PROFILE: 'dev' })
    assert.equal(r.code, 2, r.text)
    assert.match(r.text, /profile "dev" of .*config names services "nowhere"/)
    assert.ok(r.text.includes(env.AWS_CONFIG_FILE as string), r.text)
  })

  for (const [value, says] of [
    ['ftp://files.example.com', /not an http\(s\) URL/],
    ['minio.local:9000', /not an http\(s\) URL/],
    ['http://127.0.0.1:9000/prefix', /bare origin/],
  ] as const) {
    it(`endpoint_url = ${value}: exit 2, naming the file and profile`, async () => {
      const env = await withConfig(`[default]\nendpoint_url = ${value}\n`)
      const r = await get(env)
      assert.equal(r.code, 2, r.text)
      assert.match(r.text, says)
      assert.ok(
        r.text.includes(`endpoint_url of profile "default" of ${env.AWS_CONFIG_FILE}`),
        r.text,
      )
    })
  }

  it("a services section's s3 endpoint_url that is not a URL names the section", async () => {
    const env = await withConfig(
      '[default]\nservices = s\n[services s]\ns3 =\n  endpoint_url = nope\n',
    )
    const r = await get(env)
    assert.equal(r.code, 2, r.text)
    assert.match(
      r.text,
      /s3's endpoint_url in \[services s\] \(profile "default" of .*\) is "nope"/,
    )
  })

  for (const [variable, value, says] of [
    ['AWS_ENDPOINT_URL_S3', 'minio:9000', /not an http\(s\) URL/],
    ['AWS_ENDPOINT_URL', '127.0.0.1:9000', /not an http\(s\) URL/],
    ['AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:9000/prefix', /bare origin/],
  ] as const) {
    it(`${variable}=${value}: exit 2 before any request, naming the variable`, async () => {
      const env = await withConfig('', { ...KEYS, [variable]: value })
      const r = await get(env)
      assert.equal(r.code, 2, r.text)
      assert.match(r.text, says)
      assert.ok(r.text.includes(`${variable} is "${value}"`), r.text)
    })
  }

  it('a password in a bad AWS_ENDPOINT_URL is not printed', async () => {
    const env = await withConfig('', { ...KEYS, AWS_ENDPOINT_URL: 'ftp://user:hunter2-env@host' })
    const r = await get(env)
    assert.equal(r.code, 2, r.text)
    assert.match(r.text, /AWS_ENDPOINT_URL is /)
    assert.doesNotMatch(r.text, /hunter2-env/)
  })

  it('a bad AWS_ENDPOINT_URL_S3 that AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns off is no error', async () => {
    const env = await withConfig('', {
      AWS_ENDPOINT_URL_S3: 'minio:9000',
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
    })
    assert.equal((await s3Access(noSign, env)).endpoint, undefined)
  })

  it('a password in a bad endpoint_url is not printed', async () => {
    const env = await withConfig('[default]\nendpoint_url = ftp://user:hunter2-secret@host\n')
    const r = await get(env)
    assert.equal(r.code, 2, r.text)
    assert.doesNotMatch(r.text, /hunter2-secret/)
  })
})

describe('parseAwsConfig', () => {
  it('reads [default], [profile name] and [services name], sub-settings ending at the next unindented line, comments skipped', () => {
    const file = parseAwsConfig(
      [
        '# a comment',
        '[default] ; trailing comment',
        'region = eu-west-1',
        '[profile dev]',
        '; another comment',
        'services = local',
        's3 =',
        '  addressing_style = path',
        'endpoint_url = http://127.0.0.1:9000',
        '[sso-session corp]',
        'sso_region = us-east-1',
        '[services local]',
        's3 =',
        '    endpoint_url = http://localhost:4566',
        '',
      ].join('\r\n'),
    )
    assert.equal(file.profiles.get('default')?.settings.get('region'), 'eu-west-1')
    const dev = file.profiles.get('dev')
    assert.equal(dev?.settings.get('endpoint_url'), 'http://127.0.0.1:9000')
    assert.equal(dev?.nested.get('s3')?.get('addressing_style'), 'path')
    assert.equal(dev?.nested.get('s3')?.get('endpoint_url'), undefined)
    assert.equal(file.profiles.has('corp'), false)
    assert.equal(
      file.services.get('local')?.nested.get('s3')?.get('endpoint_url'),
      'http://localhost:4566',
    )
  })
})

describe('parseAwsConfig reads names and comments as the AWS CLI and SDKs do', () => {
  it('setting and sub-section names are case-insensitive (Endpoint_URL, S3 =); sub-setting names keep their case', () => {
    const file = parseAwsConfig(
      [
        '[default]',
        'Endpoint_URL = http://127.0.0.1:9000',
        'REGION = eu-west-1',
        '[services local]',
        'S3 =',
        '  endpoint_url = http://localhost:4566',
        '  Addressing_Style = path',
      ].join('\n'),
    )
    const profile = file.profiles.get('default')
    assert.equal(profile?.settings.get('endpoint_url'), 'http://127.0.0.1:9000')
    assert.equal(profile?.settings.get('region'), 'eu-west-1')
    const s3 = file.services.get('local')?.nested.get('s3')
    assert.equal(s3?.get('endpoint_url'), 'http://localhost:4566')
    assert.equal(s3?.get('addressing_style'), undefined)
  })

  it('section and profile names are case-sensitive: [Default] is not [default], [profile Dev] is "Dev"', () => {
    const file = parseAwsConfig('[Default]\nregion = a\n[profile Dev]\nregion = b\n')
    assert.equal(file.profiles.has('default'), false)
    assert.equal(file.profiles.has('dev'), false)
    assert.equal(file.profiles.get('Dev')?.settings.get('region'), 'b')
  })

  it('a # or ; after whitespace ends the value; one inside a value (a URL fragment, b;c) does not', () => {
    const file = parseAwsConfig(
      [
        '[default]',
        'endpoint_url = http://127.0.0.1:9000 # local MinIO',
        'region = eu-west-1\t; Ireland',
        'services = local;x',
        '[profile frag]',
        'endpoint_url = http://h/#x',
        '[services local;x]',
        's3 = ; the MinIO one',
        '  endpoint_url = http://localhost:4566 ; comment',
      ].join('\n'),
    )
    const profile = file.profiles.get('default')
    assert.equal(profile?.settings.get('endpoint_url'), 'http://127.0.0.1:9000')
    assert.equal(profile?.settings.get('region'), 'eu-west-1')
    assert.equal(profile?.settings.get('services'), 'local;x')
    assert.equal(file.profiles.get('frag')?.settings.get('endpoint_url'), 'http://h/#x')
    const s3 = file.services.get('local;x')?.nested.get('s3')
    assert.equal(s3?.get('endpoint_url'), 'http://localhost:4566')
  })

  it('downloads from an Endpoint_URL in capitals (read as the AWS CLI does) with a trailing comment (as the JavaScript SDK)', async () => {
    await downloadedFromRight(await withConfig(`[default]\nEndpoint_URL = ${right.url} # MinIO\n`))
  })
})
