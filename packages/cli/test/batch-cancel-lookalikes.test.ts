import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { killWhileInParts, signedEnv, startSignedMock, stopSignedMock, tree } from './helpers.ts'

// `status` and `cancel` of a batch directory go by evidence, not names: a file only named like a
// partial file, checkpoint or lock is the user's, never counted and never removed, and said so.

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-lookalikes-'))
})
after(() => stopSignedMock({ server, dir }))

const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const MiB = 1024 * 1024

/** Files a user may have that carry resumable's names, with what they hold. */
const LOOKALIKES: Readonly<Record<string, string>> = {
  'notes.resumable.json': '{ my notes, not JSON at all',
  'sub/config.resumable.json': JSON.stringify({ format: 'mine', version: 1 }),
  'sub/.draft.resumable.json.tmp': 'an editor swap file',
  'held.resumable.lock': 'do not touch: Alice',
  'copied.iso.resumable-part': 'a partial file copied from another machine',
}

async function writeLookalikes(dest: string): Promise<void> {
  await mkdir(join(dest, 'sub'), { recursive: true })
  for (const [name, text] of Object.entries(LOOKALIKES)) await writeFile(join(dest, name), text)
}

async function assertLookalikesIntact(dest: string): Promise<void> {
  for (const [name, text] of Object.entries(LOOKALIKES))
    assert.equal(await readFile(join(dest, name), 'utf8'), text, `${name} untouched`)
}

const sorted = (names: readonly string[]) => [...names].sort()

describe('status and cancel of a batch directory holding files only named like resumable’s', () => {
  it('after a killed batch: status counts only its object, cancel removes its partial file, checkpoint and lock and keeps and names the look-alikes', async () => {
    oss.putObject('look', 'g/big.bin', { generated: { size: 2 * MiB, seed: 3 } })
    const dest = join(dir, 'killed')
    await mkdir(dest)
    const state = ['big.bin.resumable-part', 'big.bin.resumable.json', 'big.bin.resumable.lock']
    await killWhileInParts(
      oss,
      'g/big.bin',
      get('s3://look/g/', dest, '--recursive', '--part-size', '512k', '--concurrency', '1'),
      dest,
      'big.bin',
    )
    await writeLookalikes(dest)

    const status = signedEnv()
    assert.equal(await main(['status', dest, '--json'], status.cli), 0, status.text())
    const json = JSON.parse(status.out.join('')) as Record<string, unknown>
    assert.equal(json.objectsInProgress, 1, 'big.bin only')
    assert.deepEqual(sorted(json.lookalikes as string[]), sorted(Object.keys(LOOKALIKES)))
    const text = signedEnv()
    assert.equal(await main(['status', dest], text.cli), 0, text.text())
    assert.match(text.text(), /in progress: 1 object\(s\)/)
    assert.match(
      text.text(),
      /look-alikes: +kept 5 file\(s\) named like resumable's that it cannot tell are its own: .*notes\.resumable\.json/,
    )

    const cancel = signedEnv()
    assert.equal(await main(['cancel', dest], cancel.cli), 0, cancel.text())
    assert.match(
      cancel.text(),
      /kept 5 file\(s\) named like resumable's that it cannot tell are its own: .*copied\.iso\.resumable-part/,
    )
    for (const name of state) assert.equal(existsSync(join(dest, name)), false, `${name} removed`)
    await assertLookalikesIntact(dest)
    assert.deepEqual(
      (await tree(dest)).filter((p) => p.includes('.resumable')),
      sorted(Object.keys(LOOKALIKES)),
      'the journal and every file of the batch gone, the look-alikes kept',
    )
  })

  it('cancel --json lists the look-alikes it kept in `lookalikes`, and removes none of them', async () => {
    oss.putObject('look', 'h/done.txt', { bytes: new TextEncoder().encode('done') })
    const dest = join(dir, 'finished')
    assert.equal(await main(get('s3://look/h/', dest, '--recursive'), signedEnv().cli), 0)
    await writeLookalikes(dest)
    const cancel = signedEnv()
    assert.equal(await main(['cancel', dest, '--json'], cancel.cli), 0, cancel.text())
    const json = JSON.parse(cancel.out.join('')) as Record<string, unknown>
    assert.equal(json.state, 'cancelled')
    assert.deepEqual(json.removed, ['.resumable-batch.journal'])
    assert.deepEqual(sorted(json.lookalikes as string[]), sorted(Object.keys(LOOKALIKES)))
    await assertLookalikesIntact(dest)
    assert.equal(await readFile(join(dest, 'done.txt'), 'utf8'), 'done')
  })

  it('a partial file the batch’s parts record names is removed with no checkpoint or lock beside it; one nothing names is kept', async () => {
    oss.putObject('look', 'r/big.bin', { generated: { size: 2 * MiB, seed: 4 } })
    const dest = join(dir, 'recorded')
    await mkdir(dest)
    await killWhileInParts(
      oss,
      'r/big.bin',
      get('s3://look/r/', dest, '--recursive', '--part-size', '512k', '--concurrency', '1'),
      dest,
      'big.bin',
    )
    // Only the record vouches for it now.
    for (const name of ['big.bin.resumable.json', 'big.bin.resumable.lock'])
      await rm(join(dest, name), { force: true })
    assert.ok(existsSync(join(dest, 'big.bin.resumable-part')))
    await writeFile(join(dest, 'orphan.bin.resumable-part'), 'nothing vouches for this one')
    const cancel = signedEnv()
    assert.equal(await main(['cancel', dest, '--json'], cancel.cli), 0, cancel.text())
    const json = JSON.parse(cancel.out.join('')) as Record<string, unknown>
    assert.ok((json.removed as string[]).includes('big.bin.resumable-part'), cancel.text())
    assert.deepEqual(json.lookalikes, ['orphan.bin.resumable-part'])
    assert.equal(existsSync(join(dest, 'orphan.bin.resumable-part')), true)
  })
})
