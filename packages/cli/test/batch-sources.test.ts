import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { MockOss } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { HELP } from '../src/help.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

// Batch mode (--recursive, --manifest): how a batch is named, how its listing is signed and paid
// for, which flags it refuses, what it prints about its sources, and a destination that is a file.

const CREDENTIALS = { accessKeyId: 'ak', secretAccessKey: 'sk-batch-sources' }
const KEYS = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  OSS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  OSS_ACCESS_KEY_SECRET: CREDENTIALS.secretAccessKey,
}
const encoder = new TextEncoder()

/** Signatures checked. */
let signed: MockOssServer
/** No credentials: a public bucket, unsigned requests served. */
let open: MockOssServer
let dir = ''

before(async () => {
  signed = await startMockOss({ oss: new MockOss({ credentials: CREDENTIALS }) })
  open = await startMockOss({ oss: new MockOss() })
  dir = await mkdtemp(join(tmpdir(), 'cli-batch-sources-'))
})
after(async () => {
  await signed.close()
  await open.close()
  await rm(dir, { recursive: true, force: true })
})

/** A fresh environment object each run: credentials and profiles are cached per environment. */
function run(args: string[], env: Record<string, string> = KEYS) {
  const { cli, out, err, text } = fakeEnvironment({
    files: filePlaces,
    aliOss: aliOssFactory({}),
    env: { ...env },
  })
  return main(['get', ...args], cli).then((code) => ({ code, out, err, text: text() }))
}

function put(server: MockOssServer, bucket: string, keys: readonly string[]): void {
  for (const key of keys) server.oss.putObject(bucket, key, { bytes: encoder.encode(key) })
}

const ossAt = (server: MockOssServer) => ['--endpoint', server.url, '--region', 'cn-hangzhou']
const objectRequests = (server: MockOssServer) =>
  server.oss.served.log.filter((r) => r.key !== '').length

async function files(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith('.resumable'))
    .map((e) => relative(root, join(e.parentPath ?? (e as { path?: string }).path ?? '', e.name)))
    .sort()
}

describe('a manifest batch is named by the manifest file, not by how its path is spelled', () => {
  it('a rerun through ./, a/../, a relative path or a symlink continues the batch: nothing fetched again, exit 0', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `m/${i}.txt`)
    put(signed, 'man', keys)
    const home = join(dir, 'spelling')
    await mkdir(join(home, 'sub'), { recursive: true })
    const manifest = join(home, 'm1.txt')
    await writeFile(manifest, `${keys.map((k) => `s3://man/${k}`).join('\n')}\n`)
    await symlink(manifest, join(home, 'link.txt'))
    const dest = join(home, 'om1')
    const first = await run(['--manifest', manifest, dest, '--endpoint', signed.url])
    assert.equal(first.code, 0, first.text)
    assert.equal((await files(dest)).length, 7)
    const fetched = objectRequests(signed)
    for (const spelling of [
      `${home}/./m1.txt`,
      `${home}/sub/../m1.txt`,
      relative(process.cwd(), manifest),
      join(home, 'link.txt'),
      manifest,
    ]) {
      const again = await run(['--manifest', spelling, dest, '--endpoint', signed.url])
      assert.equal(again.code, 0, `${spelling}: ${again.text}`)
      assert.doesNotMatch(again.text, /journal discarded/, spelling)
      assert.match(again.text, /0 downloaded, 7 skipped \(7 done\)/, spelling)
      assert.equal(objectRequests(signed), fetched, `${spelling}: no object requested again`)
    }
  })
})

describe('--recursive lists with the credentials, signing and payment of the object requests', () => {
  it('s3://: signs the listing with the AWS profile of AWS_SHARED_CREDENTIALS_FILE, region from AWS_CONFIG_FILE, no AWS_* keys', async () => {
    put(signed, 'prof', ['p/a.txt', 'p/b/c.txt'])
    const home = join(dir, 'profile-home')
    await mkdir(home, { recursive: true })
    const credentialsFile = join(home, 'credentials')
    const configFile = join(home, 'config')
    await writeFile(
      credentialsFile,
      `[default]\naws_access_key_id = ${CREDENTIALS.accessKeyId}\naws_secret_access_key = ${CREDENTIALS.secretAccessKey}\n`,
    )
    await writeFile(configFile, '[default]\nregion = eu-west-1\n')
    const dest = join(dir, 'profile')
    const before = signed.oss.served.log.length
    const r = await run(['s3://prof/p/', dest, '--recursive', '--endpoint', signed.url], {
      HOME: home,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: configFile,
    })
    assert.equal(r.code, 0, r.text)
    assert.deepEqual(await files(dest), ['a.txt', join('b', 'c.txt')])
    const listing = signed.oss.served.log.slice(before).find((l) => l.key === '')
    assert.match(listing?.headers.authorization ?? '', /Credential=ak\/\d{8}\/eu-west-1\/s3\//)
  })

  for (const mode of ['s3', 'oss'] as const) {
    it(`${mode}://: --no-sign-request lists and fetches a public bucket without credentials, unsigned`, async () => {
      put(open, `pub-${mode}`, ['p/a.txt', 'p/b/c.txt'])
      const dest = join(dir, `public-${mode}`)
      const before = open.oss.served.log.length
      const r = await run(
        [
          `${mode}://pub-${mode}/p/`,
          dest,
          '--recursive',
          '--no-sign-request',
          ...(mode === 's3' ? ['--endpoint', open.url] : ossAt(open)),
        ],
        { HOME: join(dir, 'no-such-home') },
      )
      assert.equal(r.code, 0, r.text)
      assert.deepEqual(await files(dest), ['a.txt', join('b', 'c.txt')])
      const log = open.oss.served.log.slice(before)
      assert.ok(
        log.some((l) => l.key === ''),
        'listed',
      )
      assert.ok(log.every((l) => l.headers.authorization === undefined))
    })

    it(`${mode}://: --request-payer lists (and reads) a requester-pays bucket, the header signed on the listing`, async () => {
      const bucket = `rp-${mode}`
      signed.oss.createBucket(bucket, { requesterPays: true })
      put(signed, bucket, ['p/a.txt', 'p/b/c.txt'])
      const dest = join(dir, `payer-${mode}`)
      const before = signed.oss.served.log.length
      const where = mode === 's3' ? ['--endpoint', signed.url] : ossAt(signed)
      const r = await run([
        `${mode}://${bucket}/p/`,
        dest,
        '--recursive',
        '--request-payer',
        ...(mode === 'oss' ? ['--transport', 'fetch'] : []),
        ...where,
      ])
      assert.equal(r.code, 0, r.text)
      assert.deepEqual(await files(dest), ['a.txt', join('b', 'c.txt')])
      const header = mode === 's3' ? 'x-amz-request-payer' : 'x-oss-request-payer'
      const log = signed.oss.served.log.slice(before)
      const listing = log.find((l) => l.key === '')
      assert.equal(listing?.headers[header], 'requester')
      assert.ok(
        log.every((l) => l.status < 300),
        'nothing refused',
      )
    })
  }

  it('--request-payer with --no-sign-request is a usage error for a listing too (exit 2)', async () => {
    for (const args of [
      ['s3://rp-s3/p/', join(dir, 'x1'), '--endpoint', signed.url],
      ['oss://rp-oss/p/', join(dir, 'x2'), ...ossAt(signed)],
    ]) {
      const r = await run([...args, '--recursive', '--request-payer', '--no-sign-request'])
      assert.equal(r.code, 2, r.text)
    }
  })
})

describe('flags that apply to one object are refused in a batch', () => {
  it('--range is a usage error with --recursive and --manifest (exit 2), nothing created', async () => {
    put(signed, 'range', ['p/a.txt'])
    const manifest = join(dir, 'range-manifest.txt')
    await writeFile(manifest, 's3://range/p/a.txt\n')
    for (const [i, args] of [
      ['s3://range/p/', join(dir, 'range-r'), '--recursive'],
      ['--manifest', manifest, join(dir, 'range-m')],
    ].entries()) {
      const r = await run([...args, '--range', '0-3', '--endpoint', signed.url])
      assert.equal(r.code, 2, r.text)
      assert.match(r.text, /usage error: --range applies to one object/)
      assert.equal(existsSync(join(dir, i === 0 ? 'range-r' : 'range-m')), false)
    }
  })
})

describe('a batch never prints a URL user:password@ or query', () => {
  const PASSWORD = 's3cretPW'
  const SIGNATURE = 'f00dfacecafe0123456789abcdef'

  async function manifestOf(server: MockOssServer, name: string): Promise<string> {
    const port = new URL(server.url).port
    const manifest = join(dir, name)
    await writeFile(
      manifest,
      [
        `http://alice:${PASSWORD}@127.0.0.1:${port}/pub/a.txt`,
        `http://127.0.0.1:${port}/pub/b.txt?X-Amz-Signature=${SIGNATURE}&X-Amz-Credential=ak`,
        JSON.stringify({
          source: `http://bob:${PASSWORD}@127.0.0.1:${port}/pub/c.txt?sig=${SIGNATURE}`,
          dest: 'c.txt',
        }),
      ].join('\n'),
    )
    return manifest
  }

  it('--dry-run: neither the text nor the --json source holds the password or the signature', async () => {
    const manifest = await manifestOf(open, 'secret-dry.txt')
    const dest = join(dir, 'secret-dry')
    const text = await run(['--manifest', manifest, dest, '--dry-run'])
    assert.equal(text.code, 0, text.text)
    assert.match(text.text, /would fetch http:\/\/…@127\.0\.0\.1:\d+\/pub\/a\.txt →/)
    assert.match(text.text, /would fetch http:\/\/127\.0\.0\.1:\d+\/pub\/b\.txt\?… →/)
    const json = await run(['--manifest', manifest, dest, '--dry-run', '--json'])
    assert.equal(json.code, 0, json.text)
    const sources = json.out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'would-fetch')
      .map((e) => e.source)
    assert.equal(sources.length, 3)
    for (const output of [text.text, json.text]) {
      assert.doesNotMatch(output, new RegExp(PASSWORD))
      assert.doesNotMatch(output, new RegExp(SIGNATURE))
      assert.doesNotMatch(output, /alice|bob/)
    }
    assert.equal(existsSync(dest), false)
  })

  it('a run whose objects fail: the failure summary and the --json events hold neither', async () => {
    // Nothing at these keys: every object fails, each named in the summary.
    const manifest = await manifestOf(open, 'secret-run.txt')
    for (const json of [false, true]) {
      const r = await run([
        '--manifest',
        manifest,
        join(dir, `secret-run-${json}`),
        ...(json ? ['--json'] : []),
      ])
      assert.equal(r.code, 1, r.text)
      assert.match(r.text, json ? /"type":"batch-done"/ : /3 failed of 3 objects/)
      assert.doesNotMatch(r.text, new RegExp(PASSWORD))
      assert.doesNotMatch(r.text, new RegExp(SIGNATURE))
    }
  })
})

describe('a destination that is a file', () => {
  it('name/ where name is a file is the same usage error as name (exit 2), the file untouched', async () => {
    put(signed, 'tofile', ['p/a.txt'])
    const afile = join(dir, 'afile')
    await writeFile(afile, 'keep me')
    const manifest = join(dir, 'tofile-manifest.txt')
    await writeFile(manifest, 's3://tofile/p/a.txt\n')
    for (const source of [
      ['s3://tofile/p/', '--recursive'],
      ['--manifest', manifest],
    ]) {
      for (const dest of [afile, `${afile}/`, `${afile}//`]) {
        const args =
          source[0] === '--manifest'
            ? [...source, dest]
            : [source[0] as string, dest, source[1] as string]
        const r = await run([...args, '--endpoint', signed.url])
        assert.equal(r.code, 2, `${dest}: ${r.text}`)
        assert.match(r.text, new RegExp(`usage error: ${afile} is a file; a batch downloads into`))
      }
    }
    const below = await run([
      's3://tofile/p/',
      join(afile, 'sub/'),
      '--recursive',
      '--endpoint',
      signed.url,
    ])
    assert.equal(below.code, 2, below.text)
    assert.match(below.text, /usage error: .*a part of this path is a file/)
    assert.equal(await readFile(afile, 'utf8'), 'keep me')
  })
})

describe('--help', () => {
  it('says how --json output ends for one object, a batch and a dry run', () => {
    assert.match(HELP, /"done", "paused" \(interrupted: rerun to resume\) or "error"/)
    assert.match(HELP, /"batch-done"/)
    assert.match(HELP, /"batch-paused"/)
    assert.match(HELP, /"dry-run-done"/)
  })
})
