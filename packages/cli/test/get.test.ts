import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { crc64 } from '@resumable/core'
import { type MockOssServer, runtimeCommand, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

let server: MockOssServer
let dir = ''
let crc: bigint | undefined
const SIZE = 3 * 1024 * 1024 + 17
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

before(async () => {
  server = await startMockOss()
  crc = server.oss.putObject('bucket', 'dir/object.bin', {
    generated: { size: SIZE, seed: 5 },
  }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-get-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/dir/object.bin`
const real = () => fakeEnvironment({ files: filePlaces, aliOss: aliOssFactory({}) })

describe('resumable get', () => {
  it('downloads, verifies, publishes and removes the checkpoint (exit 0)', async () => {
    const dest = join(dir, 'ok.bin')
    const { cli, text } = real()
    assert.equal(await main(['get', url(), dest, '--part-size', '512KiB'], cli), 0)
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
    assert.equal(existsSync(`${dest}.resumable.json`), false)
    assert.match(text(), /verified: crc64xz/)
  })

  it('describes a 0-byte object as empty, not as "0 part(s) of 1 B"', async () => {
    server.oss.putObject('bucket', 'dir/empty.bin', { generated: { size: 0 } })
    const dest = join(dir, 'empty.bin')
    const { cli, text } = real()
    assert.equal(await main(['get', `${server.url}/bucket/dir/empty.bin`, dest], cli), 0)
    assert.match(text(), /downloading an empty object \(0 B\)/)
    assert.doesNotMatch(text(), /part\(s\) of/)
    assert.equal((await readFile(dest)).length, 0)
  })

  it('emits one JSON event per line with --json, ending with done and its verification', async () => {
    const dest = join(dir, 'json.bin')
    const { cli, out } = real()
    assert.equal(await main(['get', url(), dest, '--json', '--part-size', '1MiB'], cli), 0)
    const events = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; verification?: { method: string } })
    assert.equal(events[0]?.type, 'start')
    assert.ok(events.some((e) => e.type === 'part'))
    assert.equal(events.at(-1)?.type, 'done')
    assert.equal(events.at(-1)?.verification?.method, 'crc64xz')
  })

  it('refuses to overwrite an existing destination without --force (exit 1), and replaces it with --force', async () => {
    const dest = join(dir, 'exists.bin')
    await writeFile(dest, 'precious')
    const refused = real()
    assert.equal(await main(['get', url(), dest], refused.cli), 1)
    assert.match(refused.text(), /--force/)
    assert.equal(await readFile(dest, 'utf8'), 'precious')
    assert.equal(await main(['get', url(), dest, '--force'], real().cli), 0)
    assert.equal((await readFile(dest)).length, SIZE)
  })

  it('prints one line with the store Code and RequestId for a missing object (exit 1)', async () => {
    const { cli, err } = real()
    assert.equal(
      await main(['get', `${server.url}/bucket/nope.bin`, join(dir, 'nope.bin')], cli),
      1,
    )
    const lines = err.join('').trim().split('\n')
    assert.equal(lines.length, 1)
    assert.match(lines[0] ?? '', /NoSuchKey.*RequestId 5F/)
    assert.equal(existsSync(join(dir, 'nope.bin')), false)
  })

  it('streams to stdout with - , in order, with no checkpoint, and under --quiet prints nothing', async () => {
    const chunks: Uint8Array[] = []
    const { cli, err } = fakeEnvironment({
      files: filePlaces,
      stdoutSink: async (c) => void chunks.push(c.slice()),
    })
    assert.equal(await main(['get', url(), '-', '--part-size', '256KiB', '--quiet'], cli), 0)
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
    let at = 0
    for (const c of chunks) {
      all.set(c, at)
      at += c.length
    }
    assert.equal(crc64('crc64xz', all), crc)
    assert.equal(err.join(''), '', 'no notice under --quiet')
  })

  it('says on stderr, without --quiet, that streaming to stdout keeps no checkpoint', async () => {
    const { cli, err } = fakeEnvironment({ files: filePlaces, stdoutSink: async () => {} })
    assert.equal(await main(['get', url(), '-', '--part-size', '256KiB'], cli), 0)
    assert.match(err.join(''), /streaming to stdout: no checkpoint is kept/)
  })

  it('status shows the checkpoint of a paused download and cancel removes everything', async () => {
    const dest = join(dir, 'paused.bin')
    server.oss.faults.add({
      fault: { type: 'status', status: 403, code: 'AccessDenied' },
      match: { ranged: true },
      skip: 3,
      times: 1,
    })
    assert.equal(
      await main(['get', url(), dest, '--part-size', '256KiB', '--concurrency', '1'], real().cli),
      1,
    )
    const status = real()
    assert.equal(await main(['status', dest, '--json'], status.cli), 0)
    const state = JSON.parse(status.out.join('')) as { state: string; partsDone: number }
    assert.equal(state.state, 'in-progress')
    assert.ok(state.partsDone >= 3)
    assert.equal(await main(['cancel', dest], real().cli), 0)
    assert.equal(existsSync(`${dest}.resumable.json`), false)
    assert.equal(existsSync(`${dest}.resumable-part`), false)
  })

  it('status of a paused download whose partial file was cut short counts only what the next run keeps, and says so', async () => {
    const dest = join(dir, 'cut-short.bin')
    server.oss.faults.add({
      fault: { type: 'status', status: 403, code: 'AccessDenied' },
      match: { ranged: true },
      skip: 4,
      times: 1,
    })
    const flags = ['--part-size', '256KiB', '--concurrency', '1']
    assert.equal(await main(['get', url(), dest, ...flags], real().cli), 1)
    await truncate(`${dest}.resumable-part`, 300 * 1024)
    const status = real()
    assert.equal(await main(['status', dest, '--json'], status.cli), 0)
    const state = JSON.parse(status.out.join('')) as Record<string, unknown>
    assert.equal(state.partsDone, 1, 'only the first 256 KiB part lies within 300 KiB')
    assert.equal(state.bytesDone, 256 * 1024)
    assert.equal(state.partialFileBytes, 300 * 1024)
    const text = real()
    assert.equal(await main(['status', dest], text.cli), 0)
    assert.match(
      text.text(),
      /cut short: +the partial file holds 300 KiB, less than the 1\.00 MiB saved: 3 part\(s\) will be fetched again/,
    )
    const resumed = real()
    assert.equal(await main(['get', url(), dest, ...flags, '--json'], resumed.cli), 0)
    assert.match(resumed.out.join(''), /"type":"resume-truncated"/)
    assert.match(resumed.out.join(''), /"resumedBytes":262144/)
  })

  it('--on-change fail stops with exit 1 when the object changes mid-download; the default restarts', async () => {
    const dest = join(dir, 'changing.bin')
    let next = server.oss.putObject('bucket', 'dir/changing.bin', {
      generated: { size: SIZE, seed: 9 },
    })
    const changing = `${server.url}/bucket/dir/changing.bin`
    const flags = ['--part-size', '256KiB', '--concurrency', '1']
    const overwriteOnFourthPart = () =>
      server.oss.faults.add({
        fault: {
          type: 'mutate',
          mutate: () => {
            next = server.oss.overwrite('bucket', 'dir/changing.bin')
          },
        },
        match: { ranged: true },
        skip: 4,
        times: 1,
      })
    overwriteOnFourthPart()
    const strict = real()
    assert.equal(
      await main(['get', changing, dest, ...flags, '--on-change', 'fail'], strict.cli),
      1,
    )
    assert.match(strict.text(), /changed/i)
    assert.equal(existsSync(dest), false)
    overwriteOnFourthPart()
    const lenient = real()
    assert.equal(await main(['get', changing, dest, ...flags, '--json'], lenient.cli), 0)
    assert.match(lenient.out.join(''), /"restarts":1/)
    assert.equal(crc64('crc64xz', await readFile(dest)), next.crc64)
  })

  it('--stall-timeout retries a part whose server went silent', async () => {
    const dest = join(dir, 'stalled.bin')
    server.oss.faults.add({
      fault: { type: 'stall', afterBytes: 1000 },
      match: { ranged: true },
      times: 1,
    })
    const run = real()
    const started = Date.now()
    assert.equal(await main(['get', url(), dest, '--stall-timeout', '1', '--json'], run.cli), 0)
    assert.ok(Date.now() - started < 20_000, 'retried after about a second, not the 30 s default')
    assert.match(run.out.join(''), /"kind":"timeout"/)
    assert.equal(crc64('crc64xz', await readFile(dest)), crc)
  })

  it('downloads oss://bucket/key through ali-oss with OSS_* credentials, every request signature verified', async () => {
    const dest = join(dir, 'oss.bin')
    const secret = 'cli-test-secret-5e1f'
    server.oss.credentials = { accessKeyId: 'LTAI5tCliTest', secretAccessKey: secret }
    try {
      const env = { OSS_ACCESS_KEY_ID: 'LTAI5tCliTest', OSS_ACCESS_KEY_SECRET: secret }
      const { cli, text } = fakeEnvironment({ env, files: filePlaces, aliOss: aliOssFactory(env) })
      const args = [
        'get',
        'oss://bucket/dir/object.bin',
        dest,
        '--endpoint',
        server.url,
        '--region',
        'cn-hangzhou',
      ]
      assert.equal(await main(args, cli), 0, text())
      assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
      const wrong = { OSS_ACCESS_KEY_ID: 'LTAI5tCliTest', OSS_ACCESS_KEY_SECRET: 'not-the-secret' }
      const refused = fakeEnvironment({
        env: wrong,
        files: filePlaces,
        aliOss: aliOssFactory(wrong),
      })
      assert.equal(
        await main(
          [...args.slice(0, 2), join(dir, 'oss-refused.bin'), ...args.slice(3)],
          refused.cli,
        ),
        1,
      )
      assert.match(refused.text(), /SignatureDoesNotMatch/)
      assert.doesNotMatch(refused.text(), /not-the-secret/)
    } finally {
      server.oss.credentials = undefined
    }
  })

  it('as a real process: SIGINT pauses with exit 130, and the same command resumes to completion', async () => {
    const dest = join(dir, 'interrupted.bin')
    const [cmd, args] = runtimeCommand(BIN, [
      'get',
      url(),
      dest,
      '--part-size',
      '128KiB',
      '--limit-rate',
      '1MiB/s',
    ])
    const first = spawn(cmd, args, { stdio: 'pipe' })
    let stderr = ''
    let scheduled = false
    first.stderr.on('data', (d: Uint8Array) => {
      stderr += new TextDecoder().decode(d)
      if (!scheduled && stderr.includes('downloading')) {
        scheduled = true
        // process.kill, not child.kill: Deno's ChildProcess reports a signal it sent itself as the exit cause.
        setTimeout(() => process.kill(first.pid as number, 'SIGINT'), 700)
      }
    })
    const code = await new Promise<number | null>((resolve) => first.on('exit', resolve))
    assert.equal(code, 130, `exit ${code}: ${stderr}`)
    assert.match(stderr, /run the same command again to resume/)
    assert.equal(existsSync(dest), false)
    const second = real()
    assert.equal(await main(['get', url(), dest, '--json'], second.cli), 0)
    const start = JSON.parse(second.out[0] ?? '{}') as { type: string; resumedBytes: number }
    assert.equal(start.type, 'resumed')
    assert.ok(start.resumedBytes > 0)
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
  })
})
