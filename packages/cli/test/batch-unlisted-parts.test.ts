import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { downloadMany } from '@resumable/core'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { BatchReporter } from '../src/batch/batch-reporter.ts'
import { main } from '../src/main.ts'
import { killWhileInParts, signedEnv, startSignedMock, stopSignedMock, tree } from './helpers.ts'

// An object a killed run was fetching in parts, deleted from the store before the rerun: the
// rerun that lists everything removes its partial file, checkpoint and lock (the batch made
// them), and nothing else; one the rerun's filter leaves out did not leave the listing, and keeps
// its state.

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-unlisted-'))
})
after(() => stopSignedMock({ server, dir }))

const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const MiB = 1024 * 1024

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** `resumable status`'s count of objects in progress. */
async function inProgress(dest: string): Promise<number> {
  const status = signedEnv()
  await main(['status', dest, '--json'], status.cli)
  return JSON.parse(status.out.join('')).objectsInProgress as number
}

describe('a rerun after an object a killed run was fetching left the listing', () => {
  it('keeps its state while a filter leaves it out, and removes it (only it) once the key is gone', async () => {
    oss.putObject('u', 'g/big.bin', { bytes: bytes(2 * MiB, 7) })
    oss.putObject('u', 'g/small.txt', { bytes: new TextEncoder().encode('small') })
    const dest = join(dir, 'killed')
    await mkdir(dest)
    const state = ['big.bin.resumable-part', 'big.bin.resumable.json', 'big.bin.resumable.lock']
    await killWhileInParts(
      oss,
      'g/big.bin',
      get('s3://u/g/', dest, '--recursive', '--part-size', '512k', '--concurrency', '1'),
      dest,
      'big.bin',
    )
    // The user's files, some named like the batch's own.
    const mine = {
      'mine.txt': 'mine',
      'other.bin.resumable-part': 'a look-alike no run of this batch made',
      'big.bin.resumable-part.bak': 'a copy the user keeps',
      'big.bin.resumable.json~': 'an editor backup',
    }
    for (const [name, text] of Object.entries(mine)) await writeFile(join(dest, name), text)

    // Still in the store, but left out by this run's filter: not gone from the listing.
    const filtered = signedEnv()
    assert.equal(
      await main(
        get('s3://u/g/', dest, '--recursive', '--exclude', 'big.bin', '--json'),
        filtered.cli,
      ),
      0,
      filtered.text(),
    )
    for (const name of state)
      assert.ok(existsSync(join(dest, name)), `${name} kept under --exclude`)
    const filteredDone = filtered.out
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((e) => e.type === 'batch-done')
    assert.deepEqual(filteredDone?.removedUnlisted, [])

    // The look-alike partial file has no checkpoint, lock or record of ours beside it.
    assert.equal(await inProgress(dest), 1, 'big.bin, not the look-alike')
    // Deleted from the store: the next complete run removes its state, and says so.
    oss.deleteObject('u', 'g/big.bin')
    const json = signedEnv()
    assert.equal(
      await main(get('s3://u/g/', dest, '--recursive', '--json'), json.cli),
      0,
      json.text(),
    )
    const done = json.out
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((e) => e.type === 'batch-done')
    assert.deepEqual(done?.removedUnlisted, ['big.bin'])
    for (const name of state) assert.equal(existsSync(join(dest, name)), false, `${name} removed`)
    for (const [name, text] of Object.entries(mine))
      assert.equal(await readFile(join(dest, name), 'utf8'), text, `${name} untouched`)
    assert.deepEqual(
      await tree(dest),
      ['.resumable-batch.journal', ...Object.keys(mine), 'small.txt'].sort(),
    )
    // The removed object no longer counts; the look-alike never did.
    assert.equal(await inProgress(dest), 0)
  })
})

describe('the batch summary of objects that left the listing', () => {
  it('names them in a line, and in batch-done as removedUnlisted', async () => {
    const summary = await downloadMany({
      id: 'b',
      objects: [],
      open: () => Promise.reject(new Error('nothing is opened')),
      removeUnlisted: async () => ['gone.bin', 'sub/gone2.bin'],
    })
    const out: string[] = []
    const err: string[] = []
    const io = {
      out: (t: string) => void out.push(t),
      err: (t: string) => void err.push(t),
      isTTY: false,
      columns: 80,
    }
    new BatchReporter(io, { json: false, quiet: false }).summary(summary, 0)
    assert.match(
      err.join('') + out.join(''),
      /2 object\(s\) an earlier run left unfinished are no longer listed; their partial files, checkpoints and locks were removed: gone\.bin, sub\/gone2\.bin/,
    )
    out.length = 0
    new BatchReporter(io, { json: true, quiet: false }).summary(summary, 0)
    assert.deepEqual(JSON.parse(out.join('')).removedUnlisted, ['gone.bin', 'sub/gone2.bin'])
  })
})
