import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { JSON_PROGRESS_INTERVAL_MS } from '../src/reporter.ts'
import { fakeEnvironment } from './helpers.ts'

let server: MockOssServer
let dir = ''

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'two-seconds.bin', {
    generated: { size: 2 * 1024 * 1024, seed: 4 },
  })
  dir = await mkdtemp(join(tmpdir(), 'cli-json-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

interface Event {
  readonly type: string
  readonly [field: string]: unknown
}

/** Every stdout line must be one JSON object; returns them with the time each was written. */
function jsonRun() {
  const lines: { at: number; event: Event }[] = []
  const env = fakeEnvironment({
    files: filePlaces,
    aliOss: aliOssFactory({}),
    io: {
      out: (text) => {
        for (const line of text.split('\n').filter((l) => l !== ''))
          lines.push({ at: Date.now(), event: JSON.parse(line) as Event })
      },
      err: (text) => assert.fail(`nothing on stderr with --json: ${text}`),
      isTTY: false,
      columns: 80,
    },
  })
  return { cli: env.cli, lines }
}

describe('--json', () => {
  it(`throttles progress events to one per ${JSON_PROGRESS_INTERVAL_MS} ms and ends with one at 100%`, async () => {
    const { cli, lines } = jsonRun()
    const args = ['get', `${server.url}/bucket/two-seconds.bin`, join(dir, 'progress.bin')]
    const flags = ['--json', '--part-size', '128KiB', '--limit-rate', '1MiB/s']
    assert.equal(await main([...args, ...flags], cli), 0)
    const progress = lines.filter((l) => l.event.type === 'progress')
    assert.ok(progress.length >= 3, `${progress.length} progress events in about 2 s`)
    for (let i = 1; i < progress.length - 1; i++) {
      const gap = (progress[i]?.at ?? 0) - (progress[i - 1]?.at ?? 0)
      assert.ok(gap >= JSON_PROGRESS_INTERVAL_MS - 5, `gap of ${gap} ms between progress events`)
    }
    const last = progress.at(-1)?.event
    assert.equal(last?.bytesDone, last?.totalBytes)
    assert.equal(progress.filter((p) => p.event.bytesDone === p.event.totalBytes).length, 1)
    assert.equal(typeof last?.bytesPerSecond, 'number')
    assert.equal(lines.at(-1)?.event.type, 'done')
  })

  it('ends a failed run with one structured error event: kind, status, code, requestId, retryable', async () => {
    const { cli, lines } = jsonRun()
    const code = await main(
      ['get', `${server.url}/bucket/missing.bin`, join(dir, 'missing.bin'), '--json'],
      cli,
    )
    assert.equal(code, 1)
    const error = lines.at(-1)?.event
    assert.equal(error?.type, 'error')
    assert.equal(error?.exitCode, 1)
    assert.equal(error?.kind, 'not-found')
    assert.equal(error?.status, 404)
    assert.equal(error?.code, 'NoSuchKey')
    assert.match(String(error?.requestId), /^5F/)
    assert.equal(error?.retryable, false)
    assert.match(String(error?.message), /NoSuchKey/)
  })

  it('a file already at the destination: kind exists, flags ["--force"], the hint in --force, the file kept', async () => {
    const dest = join(dir, 'there.bin')
    await writeFile(dest, 'mine')
    const { cli, lines } = jsonRun()
    assert.equal(
      await main(['get', `${server.url}/bucket/two-seconds.bin`, dest, '--json'], cli),
      1,
    )
    const error = lines.at(-1)?.event
    assert.equal(error?.type, 'error')
    assert.equal(error?.kind, 'exists')
    assert.deepEqual(error?.flags, ['--force'])
    assert.match(
      String(error?.message),
      /already exists; not overwritten — pass --force to overwrite it$/,
    )
    assert.equal(await readFile(dest, 'utf8'), 'mine')
  })

  it('reports a command-line error as a JSON error event on stdout when --json was given', async () => {
    const { cli, lines } = jsonRun()
    assert.equal(await main(['get', 'http://x/y', 'out', '--part-size', 'lots', '--json'], cli), 2)
    assert.equal(lines.length, 1)
    assert.equal(lines[0]?.event.type, 'error')
    assert.equal(lines[0]?.event.kind, 'usage')
    assert.equal(lines[0]?.event.exitCode, 2)
    assert.match(String(lines[0]?.event.message), /--part-size "lots"/)
  })

  it('reports an option the engine refuses as kind invalid-options naming the option', async () => {
    const { cli, lines } = jsonRun()
    const args = [
      'get',
      'http://127.0.0.1:9/x',
      join(dir, 'x.bin'),
      '--part-size',
      '10KB',
      '--json',
    ]
    assert.equal(await main(args, cli), 2)
    const error = lines.at(-1)?.event
    assert.equal(error?.kind, 'invalid-options')
    assert.equal(error?.option, 'partSize')
    assert.match(String(error?.message), /--part-size/)
  })
})
