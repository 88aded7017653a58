import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

const KEY_ID = 'AKIAPROTOCOLFLAGS'
const SECRET = 'protocol-flags-secret-7c3d'
const SSE_KEY = new Uint8Array(randomBytes(32))
const SSE_KEY_B64 = Buffer.from(SSE_KEY).toString('base64')
const SSE_KEY_MD5 = createHash('md5').update(SSE_KEY).digest('base64')
const SIZE = 1024 * 1024 + 5

let signed: MockOssServer
let open: MockOssServer
let dir = ''
const crcs: Record<string, bigint | undefined> = {}

before(async () => {
  signed = await startMockOss()
  signed.oss.credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET }
  signed.oss.createBucket('payer', { requesterPays: true })
  crcs.payer = signed.oss.putObject('payer', 'o.bin', { generated: { size: SIZE, seed: 3 } }).crc64
  crcs.sse = signed.oss.putObject('bucket', 'sse.bin', {
    generated: { size: SIZE, seed: 4 },
    sseCustomerKey: { key: SSE_KEY_B64, keyMd5: SSE_KEY_MD5 },
  }).crc64
  crcs.plain = signed.oss.putObject('bucket', 'plain.bin', {
    generated: { size: SIZE, seed: 5 },
  }).crc64
  // A public bucket: the mock checks no signature at all.
  open = await startMockOss()
  crcs.public = open.oss.putObject('public', 'p.bin', { generated: { size: SIZE, seed: 6 } }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-protocol-'))
})
after(async () => {
  await signed.close()
  await open.close()
  await rm(dir, { recursive: true, force: true })
})

type Env = Record<string, string>
const aws: Env = { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, HOME: '/nonexistent' }
const ossEnv: Env = { OSS_ACCESS_KEY_ID: KEY_ID, OSS_ACCESS_KEY_SECRET: SECRET }
let n = 0

async function run(env: Env, args: string[]) {
  const { cli, text } = fakeEnvironment({ env, files: filePlaces, aliOss: aliOssFactory(env) })
  const dest = join(dir, `out-${++n}.bin`)
  const code = await main(['get', args[0] as string, dest, ...args.slice(1)], cli)
  return { code, text: text(), dest }
}

async function sameAs(dest: string, name: string): Promise<void> {
  assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crcs[name])
}

const s3At = (server: MockOssServer) => ['--endpoint', server.url, '--region', 'us-east-1']
const ossAt = (server: MockOssServer) => ['--endpoint', server.url, '--region', 'cn-hangzhou']

describe('--request-payer', () => {
  it('s3://: refused (403 AccessDenied) without it, byte-identical with it', async () => {
    const refused = await run(aws, ['s3://payer/o.bin', ...s3At(signed)])
    assert.equal(refused.code, 1, refused.text)
    // S3 refuses the HEAD with its status alone; the transport asks a GET for the code.
    assert.match(refused.text, /access denied/)
    assert.match(refused.text, /AccessDenied/)
    const ok = await run(aws, ['s3://payer/o.bin', ...s3At(signed), '--request-payer'])
    assert.equal(ok.code, 0, ok.text)
    await sameAs(ok.dest, 'payer')
  })

  it('oss:// through ali-oss and through fetch: byte-identical, header on every request', async () => {
    for (const transport of ['ali-oss', 'fetch']) {
      signed.oss.resetCounters()
      const args = ['oss://payer/o.bin', ...ossAt(signed), '--transport', transport]
      assert.equal((await run(ossEnv, args)).code, 1, transport)
      const ok = await run(ossEnv, [...args, '--request-payer'])
      assert.equal(ok.code, 0, `${transport}: ${ok.text}`)
      await sameAs(ok.dest, 'payer')
      const paid = signed.oss.served.log.filter((r) => r.status < 300)
      assert.ok(paid.length >= 2)
      for (const r of paid) assert.equal(r.headers['x-oss-request-payer'], 'requester', transport)
    }
  })
})

describe('SSE-C', () => {
  it('reads an SSE-C object with the key from RESUMABLE_SSE_C_KEY, or from a raw or base64 key file', async () => {
    const raw = join(dir, 'key.raw')
    const b64 = join(dir, 'key.b64')
    await writeFile(raw, SSE_KEY)
    await writeFile(b64, `${SSE_KEY_B64}\n`)
    const ways: [Env, string[]][] = [
      [{ ...aws, RESUMABLE_SSE_C_KEY: SSE_KEY_B64 }, []],
      [aws, ['--sse-c-key-file', raw]],
      [aws, ['--sse-c-key-file', b64]],
    ]
    for (const [env, extra] of ways) {
      const ok = await run(env, ['s3://bucket/sse.bin', ...s3At(signed), ...extra])
      assert.equal(ok.code, 0, ok.text)
      await sameAs(ok.dest, 'sse')
    }
  })

  it('without the key fails with a 400 InvalidRequest; with another key fails with AccessDenied and prints neither key, in text or JSON', async () => {
    const missing = await run(aws, ['s3://bucket/sse.bin', ...s3At(signed)])
    assert.equal(missing.code, 1)
    // S3 refuses the HEAD with its status alone; the transport asks a GET for the code.
    assert.match(missing.text, /status 400/)
    assert.match(missing.text, /InvalidRequest/)
    const wrong = Buffer.from(randomBytes(32)).toString('base64')
    for (const extra of [[], ['--json']]) {
      const r = await run({ ...aws, RESUMABLE_SSE_C_KEY: wrong }, [
        's3://bucket/sse.bin',
        ...s3At(signed),
        ...extra,
      ])
      assert.equal(r.code, 1, r.text)
      assert.match(r.text, /AccessDenied/)
      assert.ok(!r.text.includes(wrong) && !r.text.includes(SSE_KEY_B64), r.text)
    }
  })

  it('keeps the key out of the checkpoint of an interrupted download', async () => {
    const remove = signed.oss.faults.add({
      match: { method: 'GET', key: 'sse.bin', ranged: true },
      skip: 1,
      fault: { type: 'status', status: 403, code: 'AccessDenied' },
    })
    const r = await run({ ...aws, RESUMABLE_SSE_C_KEY: SSE_KEY_B64 }, [
      's3://bucket/sse.bin',
      ...s3At(signed),
      '--part-size',
      '256KiB',
      '--concurrency',
      '1',
    ])
    remove()
    assert.equal(r.code, 1, r.text)
    const saved = (await readdir(dir)).filter((f) => f.endsWith('.resumable.json'))
    assert.ok(saved.length > 0, 'a checkpoint was kept')
    for (const f of saved) {
      const text = await readFile(join(dir, f), 'utf8')
      assert.ok(!text.includes(SSE_KEY_B64) && !text.includes(SSE_KEY_MD5), f)
    }
  })

  it('refuses the key as a flag value, a bad key file, and SSE-C for oss:// (exit 2, key not echoed)', async () => {
    const flag = await run(aws, [
      's3://bucket/sse.bin',
      ...s3At(signed),
      `--sse-c-key=${SSE_KEY_B64}`,
    ])
    assert.equal(flag.code, 2)
    assert.ok(!flag.text.includes(SSE_KEY_B64), flag.text)
    const short = join(dir, 'short.key')
    await writeFile(short, 'c2hvcnQ=')
    const bad = await run(aws, ['s3://bucket/sse.bin', ...s3At(signed), '--sse-c-key-file', short])
    assert.equal(bad.code, 2)
    assert.match(bad.text, /neither 32 raw bytes nor the base64/)
    assert.doesNotMatch(bad.text, /c2hvcnQ/)
    const env = { ...ossEnv, RESUMABLE_SSE_C_KEY: SSE_KEY_B64 }
    const oss = await run(env, ['oss://bucket/sse.bin', ...ossAt(signed)])
    assert.equal(oss.code, 2)
    assert.match(oss.text, /s3:\/\/ sources only/)
  })
})

describe('--traffic-limit', () => {
  it('sends x-oss-traffic-limit in bit/s on every GET, through ali-oss and fetch', async () => {
    for (const transport of ['ali-oss', 'fetch']) {
      signed.oss.resetCounters()
      const r = await run(ossEnv, [
        'oss://bucket/plain.bin',
        ...ossAt(signed),
        '--transport',
        transport,
        '--traffic-limit',
        '1MiB/s',
      ])
      assert.equal(r.code, 0, r.text)
      const gets = signed.oss.served.log.filter((l) => l.method === 'GET')
      assert.ok(gets.length > 0)
      for (const g of gets) assert.equal(g.headers['x-oss-traffic-limit'], String(8 * 1024 * 1024))
    }
  })

  it('refuses a rate outside OSS range and any source but oss:// (exit 2)', async () => {
    assert.equal(
      (
        await run(ossEnv, [
          'oss://bucket/plain.bin',
          ...ossAt(signed),
          '--traffic-limit',
          '50KiB/s',
        ])
      ).code,
      2,
    )
    assert.equal(
      (
        await run(ossEnv, [
          'oss://bucket/plain.bin',
          ...ossAt(signed),
          '--traffic-limit',
          '200MiB/s',
        ])
      ).code,
      2,
    )
    const s3 = await run(aws, [
      's3://bucket/plain.bin',
      ...s3At(signed),
      '--traffic-limit',
      '1MiB/s',
    ])
    assert.equal(s3.code, 2)
    assert.match(s3.text, /oss:\/\/ sources only/)
  })
})

describe('--no-sign-request', () => {
  it('downloads from a public bucket with no credentials, unsigned, for s3:// and oss://', async () => {
    for (const args of [
      ['s3://public/p.bin', ...s3At(open)],
      ['oss://public/p.bin', ...ossAt(open)],
    ]) {
      open.oss.resetCounters()
      const r = await run({ HOME: '/nonexistent' }, [...args, '--no-sign-request'])
      assert.equal(r.code, 0, r.text)
      await sameAs(r.dest, 'public')
      assert.ok(open.oss.served.log.every((l) => l.headers.authorization === undefined))
    }
  })

  it('is refused with --transport ali-oss and with --request-payer (exit 2)', async () => {
    const base = ['oss://public/p.bin', ...ossAt(open), '--no-sign-request']
    assert.equal((await run({}, [...base, '--transport', 'ali-oss'])).code, 2)
    assert.equal((await run({}, [...base, '--request-payer'])).code, 2)
  })
})

describe('AWS shared config and credentials files', () => {
  async function home(files: Record<string, string>): Promise<string> {
    const h = await mkdtemp(join(dir, 'home-'))
    await mkdir(join(h, '.aws'))
    for (const [name, text] of Object.entries(files)) await writeFile(join(h, '.aws', name), text)
    return h
  }

  it('signs with the default profile of ~/.aws/credentials and takes the region from ~/.aws/config', async () => {
    const h = await home({
      credentials: `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
      config: '[default]\nregion = eu-west-1\n',
    })
    signed.oss.resetCounters()
    const r = await run({ HOME: h }, ['s3://bucket/plain.bin', '--endpoint', signed.url])
    assert.equal(r.code, 0, r.text)
    await sameAs(r.dest, 'plain')
    assert.match(signed.oss.served.log[0]?.headers.authorization ?? '', /\/eu-west-1\/s3\//)
  })

  it('uses AWS_PROFILE ([profile x] in config, [x] in credentials), and env keys before any file', async () => {
    const h = await home({
      credentials: `[default]\naws_access_key_id = WRONGKEY\naws_secret_access_key = wrong-secret-000\n[x]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
      config: '[profile x]\nregion = ap-south-1\n',
    })
    const r = await run({ HOME: h, AWS_PROFILE: 'x' }, [
      's3://bucket/plain.bin',
      '--endpoint',
      signed.url,
    ])
    assert.equal(r.code, 0, r.text)
    const envFirst = await run({ ...aws, HOME: h }, ['s3://bucket/plain.bin', ...s3At(signed)])
    assert.equal(envFirst.code, 0, envFirst.text)
    const wrongDefault = await run({ HOME: h }, ['s3://bucket/plain.bin', ...s3At(signed)])
    assert.equal(wrongDefault.code, 1, 'the default profile holds a key the store does not know')
    assert.doesNotMatch(wrongDefault.text, /wrong-secret-000/)
  })

  it('names a missing AWS_PROFILE (exit 2) and reads credential_process', async () => {
    const h = await home({
      config: `[profile proc]\nregion = us-east-1\ncredential_process = node -e "console.log(JSON.stringify({Version:1,AccessKeyId:'${KEY_ID}',SecretAccessKey:'${SECRET}'}))"\n`,
    })
    const missing = await run({ HOME: h, AWS_PROFILE: 'nope' }, [
      's3://bucket/plain.bin',
      ...s3At(signed),
    ])
    assert.equal(missing.code, 2)
    assert.match(missing.text, /AWS_PROFILE "nope"/)
    const proc = await run({ HOME: h, AWS_PROFILE: 'proc' }, [
      's3://bucket/plain.bin',
      '--endpoint',
      signed.url,
    ])
    assert.equal(proc.code, 0, proc.text)
    await sameAs(proc.dest, 'plain')
  })
})
