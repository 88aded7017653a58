import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock, tree } from './helpers.ts'

const encoder = new TextEncoder()
let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-rerun-'))
})
after(() => stopSignedMock({ server, dir }))

const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const put = (key: string, text: string) => oss.putObject('r', key, { bytes: encoder.encode(text) })

/** An object's lock whose owner process has exited (what kill -9 leaves). */
function deadLock(): string {
  const pid = Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString(),
  )
  return JSON.stringify({ pid, host: hostname(), startedAt: 'earlier' })
}

describe('a batch rerun over what a killed run left of an object now fetched whole', () => {
  it('leaves no partial file, checkpoint or dead lock beside the finished file, and status says done', async () => {
    put('left/small.txt', 'now small enough for one request')
    // Killed before its first checkpoint: a partial file and a lock only.
    put('left/early.txt', 'killed early')
    const dest = join(dir, 'leftovers')
    await mkdir(dest)
    await writeFile(join(dest, 'small.txt.resumable-part'), 'half of a bigger version')
    await writeFile(join(dest, 'small.txt.resumable.json'), '{}')
    await writeFile(join(dest, 'small.txt.resumable.lock'), deadLock())
    await writeFile(join(dest, 'early.txt.resumable-part'), 'kil')
    await writeFile(join(dest, 'early.txt.resumable.lock'), deadLock())
    const run = signedEnv()
    assert.equal(await main(get('s3://r/left/', dest, '--recursive'), run.cli), 0, run.text())
    assert.deepEqual(await tree(dest), ['.resumable-batch.journal', 'early.txt', 'small.txt'])
    assert.equal(await readFile(join(dest, 'early.txt'), 'utf8'), 'killed early')
    assert.equal(
      await readFile(join(dest, 'small.txt'), 'utf8'),
      'now small enough for one request',
    )
    const status = signedEnv()
    assert.equal(await main(['status', dest, '--json'], status.cli), 0)
    assert.equal(JSON.parse(status.out.join('')).objectsInProgress, 0)
  })
})

describe('a batch rerun over an object replaced in the store since it was done', () => {
  it('keeps it and says so without --force (run and --dry-run); --force fetches it again, as --dry-run --force says', async () => {
    put('cfg/config.json', '{"version": 1}')
    const dest = join(dir, 'changed')
    assert.equal(await main(get('s3://r/cfg/', dest, '--recursive'), signedEnv().cli), 0)
    put('cfg/config.json', '{"version": 2}')
    const file = () => readFile(join(dest, 'config.json'), 'utf8')

    const dry = signedEnv()
    assert.equal(await main(get('s3://r/cfg/', dest, '--recursive', '--dry-run'), dry.cli), 0)
    assert.match(
      dry.text(),
      /would skip .*config\.json \(done by an earlier run of this batch, but changed in the store since/,
    )
    const kept = signedEnv()
    assert.equal(await main(get('s3://r/cfg/', dest, '--recursive', '--json'), kept.cli), 0)
    const events = kept.out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const skipped = events.find((e) => e.type === 'object-skipped')
    assert.equal(skipped?.reason, 'done-but-changed')
    assert.equal(await file(), '{"version": 1}')
    const text = signedEnv()
    assert.equal(await main(get('s3://r/cfg/', dest, '--recursive'), text.cli), 0)
    assert.match(
      text.text(),
      /1 object\(s\) done by an earlier run changed in the store since and were kept/,
    )

    const dryForce = signedEnv()
    assert.equal(
      await main(
        get('s3://r/cfg/', dest, '--recursive', '--dry-run', '--force', '--json'),
        dryForce.cli,
      ),
      0,
    )
    assert.match(dryForce.out.join(''), /"type":"would-fetch".*"existing":"replace"/)
    const forced = signedEnv()
    assert.equal(await main(get('s3://r/cfg/', dest, '--recursive', '--force'), forced.cli), 0)
    assert.match(forced.text(), /1 downloaded/)
    assert.equal(await file(), '{"version": 2}')
  })
})
