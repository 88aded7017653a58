import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { loadAwsProfile } from '../src/aws-profile.ts'
import { s3Access } from '../src/sources.ts'

const KEY_ID = 'AKIALAZYPROFILE'
const SECRET = 'lazy-profile-secret-7c2d'
const onNode = !('Deno' in globalThis) && !('Bun' in globalThis)
const cliDir = fileURLToPath(new URL('..', import.meta.url))

let dir = ''
let env: Record<string, string> = {}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-aws-profile-lazy-'))
  const config = join(dir, 'config')
  const credentials = join(dir, 'credentials')
  await writeFile(config, '[profile dev]\nregion = eu-central-1\n')
  await writeFile(
    credentials,
    `[dev]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
  )
  env = {
    HOME: dir,
    AWS_PROFILE: 'dev',
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_EC2_METADATA_DISABLED: 'true',
  }
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("the AWS profile's region without the AWS SDK's loader", () => {
  it("s3:// with keys from the environment and no AWS_REGION takes the profile's region", async () => {
    const access = await s3Access(
      { endpoint: 'http://127.0.0.1:9', region: undefined, pathStyle: true, noSignRequest: false },
      { ...env, AWS_ACCESS_KEY_ID: 'AKIAFROMENV', AWS_SECRET_ACCESS_KEY: 'from-env' },
    )
    assert.equal(access.region, 'eu-central-1')
    assert.deepEqual(access.credentials, {
      accessKeyId: 'AKIAFROMENV',
      secretAccessKey: 'from-env',
    })
  })

  it("a credentials file that cannot be read (a directory) is skipped, as the AWS SDKs skip it: the config file's region is used", async () => {
    const access = await s3Access(
      { endpoint: 'http://127.0.0.1:9', region: undefined, pathStyle: true, noSignRequest: false },
      {
        ...env,
        AWS_SHARED_CREDENTIALS_FILE: dir,
        AWS_ACCESS_KEY_ID: 'AKIAFROMENV',
        AWS_SECRET_ACCESS_KEY: 'from-env',
      },
    )
    assert.equal(access.region, 'eu-central-1')
  })

  it("the profile's credentials still come from the SDK's provider when asked", async () => {
    const profile = await loadAwsProfile(env)
    assert.equal(profile?.region, 'eu-central-1')
    assert.deepEqual(await profile?.credentials?.(), {
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
    })
  })

  it('a profile with no settings at all is no profile: AWS_PROFILE naming it is a usage error', async () => {
    const config = join(dir, 'empty-config')
    await writeFile(config, '[profile empty]\n')
    await assert.rejects(
      loadAwsProfile({ ...env, AWS_PROFILE: 'empty', AWS_CONFIG_FILE: config }),
      /AWS_PROFILE "empty" is in neither/,
    )
  })

  it('reading the region imports neither @smithy/core/config nor @aws-sdk/credential-provider-ini; asking for credentials does', {
    skip: onNode ? false : 'a Node module hook tells what is imported',
  }, async () => {
    // A resolve hook that refuses the SDK's modules: the import fails if anything asks for them.
    const hook = join(dir, 'refuse-sdk.mjs')
    await writeFile(
      hook,
      [
        'export async function resolve(specifier, context, next) {',
        '  if (/^@aws-sdk\\/credential-provider-ini|^@smithy\\/core\\/config/.test(specifier))',
        "    throw new Error('imported ' + specifier)",
        '  return next(specifier, context)',
        '}',
      ].join('\n'),
    )
    const register = join(dir, 'register.mjs')
    await writeFile(
      register,
      `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hook).href)})\n`,
    )
    const script = join(dir, 'profile.mts')
    const source = pathToFileURL(join(cliDir, 'src', 'aws-profile.ts')).href
    await writeFile(
      script,
      [
        `import { loadAwsProfile } from ${JSON.stringify(source)}`,
        'const profile = await loadAwsProfile(process.env)',
        'console.log(profile?.region, profile?.credentials !== undefined)',
        "if (process.argv[2] === 'ask') await profile?.credentials?.()",
      ].join('\n'),
    )
    const run = (extra: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            '--conditions=@resumable/source',
            '--import',
            'tsx',
            '--import',
            register,
            script,
            ...extra,
          ],
          { cwd: cliDir, env: { PATH: process.env.PATH ?? '', ...env } },
          (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
        )
      })
    const region = await run([])
    assert.equal(region.code, 0, region.out)
    assert.equal(region.out.trim(), 'eu-central-1 true')
    const asked = await run(['ask'])
    assert.notEqual(asked.code, 0, asked.out)
    assert.match(asked.out, /imported @aws-sdk\/credential-provider-ini/)
  })
})
