import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import type { CheckpointStore } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import type { CliEnvironment } from '../src/cli-environment.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import {
  type CliProcessResult,
  fakeEnvironment,
  runCliProcess,
  runCliUntilKilled,
} from './helpers.ts'

// `resumable cancel <dest>` removes a download's files only under the destination's lock, as a
// download holds it: real `get` processes, killed and started against it.

let server: MockOssServer
let dir = ''
const SIZE = 4 * 1024 * 1024 + 3

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'big.bin', { generated: { size: SIZE, seed: 21 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-cancel-lock-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/big.bin`

/** A `get` of big.bin into `dest`, SIGKILLed once its first checkpoint is saved: its files stay. */
async function killedDownload(dest: string): Promise<void> {
  const args = ['get', url(), dest, '--part-size', '256KiB', '--limit-rate', '512KiB/s']
  const signal = await runCliUntilKilled(args, () => existsSync(`${dest}.resumable.json`))
  assert.equal(signal, 'SIGKILL')
  for (const suffix of ['.resumable-part', '.resumable.json', '.resumable.lock'])
    assert.equal(existsSync(`${dest}${suffix}`), true, `${suffix} left by the killed run`)
}

describe('resumable cancel removes files only under the destination lock', () => {
  it("refuses (exit 1), removing nothing, when a user's file holds the lock's name beside a killed download's files", async () => {
    const dest = join(dir, 'lookalike-lock.bin')
    await killedDownload(dest)
    await writeFile(`${dest}.resumable.lock`, 'do not touch: Alice\n')
    const partial = await readFile(`${dest}.resumable-part`)
    const checkpoint = await readFile(`${dest}.resumable.json`)
    const { cli, text } = fakeEnvironment({ files: filePlaces, aliOss: aliOssFactory({}) })
    assert.equal(await main(['cancel', dest], cli), 1, text())
    assert.match(
      text(),
      /not cancelled: .*lookalike-lock\.bin\.resumable\.lock is not resumable's lock \(a file of yours\?\).*nothing was removed: move it away, then cancel again/,
    )
    assert.equal(await readFile(`${dest}.resumable.lock`, 'utf8'), 'do not touch: Alice\n')
    assert.deepEqual(await readFile(`${dest}.resumable-part`), partial, 'partial file kept')
    assert.deepEqual(await readFile(`${dest}.resumable.json`), checkpoint, 'checkpoint kept')
  })

  it('holds the lock while it removes the checkpoint: a get started at that moment is refused (75) and cancel completes', async () => {
    const dest = join(dir, 'race.bin')
    await killedDownload(dest)
    let lockHolder: number | undefined
    let racer: CliProcessResult | undefined
    const files: CliEnvironment['files'] = async (...args) => {
      const places = await filePlaces(...args)
      const store = places.checkpoint
      // Looks on at the instant of removal, and starts a real download right then.
      const watched: CheckpointStore = {
        load: (key) => store.load(key),
        save: (key, data) => store.save(key, data),
        remove: async (key) => {
          const lock = await readFile(`${dest}.resumable.lock`, 'utf8').catch(() => undefined)
          lockHolder = lock === undefined ? undefined : (JSON.parse(lock) as { pid: number }).pid
          racer = await runCliProcess(['get', url(), dest], process.env, 60_000)
          await store.remove(key)
        },
      }
      return { ...places, checkpoint: watched }
    }
    const { cli, text } = fakeEnvironment({ files, aliOss: aliOssFactory({}) })
    assert.equal(await main(['cancel', dest], cli), 0, text())
    assert.equal(lockHolder, process.pid, 'cancel held the lock while removing the checkpoint')
    assert.equal(racer?.code, 75, racer?.stderr)
    assert.match(racer?.stderr ?? '', /nothing was touched/)
    for (const suffix of ['', '.resumable-part', '.resumable.json', '.resumable.lock'])
      assert.equal(existsSync(`${dest}${suffix}`), false, `${suffix || 'destination'} absent`)
  })
})
