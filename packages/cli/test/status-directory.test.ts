import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BATCH_JOURNAL_NAME } from '@resumable/store-fs'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment, inNewDirectory } from './helpers.ts'

// `get <url> dir/` saves as dir/<object name>: `status dir/` and `cancel dir/` must find it there.
let server: MockOssServer
let dir = ''
const SIZE = 2 * 1024 * 1024 + 3

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'obj/report.bin', { generated: { size: SIZE, seed: 41 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-status-dir-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/obj/report.bin`
const real = () => fakeEnvironment({ files: filePlaces })

/** A `get` that fails after three parts, leaving a partial file and its checkpoint. */
async function stoppedGet(dest: string | undefined, ...extra: string[]): Promise<void> {
  server.oss.faults.add({
    fault: { type: 'status', status: 403, code: 'AccessDenied' },
    match: { ranged: true },
    skip: 3,
    times: 1,
  })
  const args = ['get', url(), ...(dest === undefined ? [] : [dest])]
  const run = real()
  const flags = ['--part-size', '256KiB', '--concurrency', '1', ...extra]
  assert.equal(await main([...args, ...flags], run.cli), 1, run.text())
}

describe('status / cancel on a directory', () => {
  it('status dir/ and cancel dir/ act on the one download in progress in dir/, and say which file', async () => {
    const out = join(dir, 'outdir')
    await stoppedGet(`${out}/`)
    assert.equal(existsSync(join(out, 'report.bin.resumable-part')), true)

    const status = real()
    assert.equal(await main(['status', `${out}/`], status.cli), 0, status.text())
    assert.match(status.text(), /one download in progress: .*report\.bin/)
    assert.match(status.text(), /progress:/)
    assert.doesNotMatch(status.text(), /no download in progress/)

    const json = real()
    assert.equal(await main(['status', out, '--json'], json.cli), 0)
    const state = JSON.parse(json.out.join('')) as { state: string; destination: string }
    assert.equal(state.state, 'in-progress')
    assert.match(state.destination, /outdir.report\.bin$/)

    const cancel = real()
    assert.equal(await main(['cancel', `${out}/`], cancel.cli), 0, cancel.text())
    assert.match(cancel.text(), /removed the partial download of .*report\.bin/)
    assert.deepEqual(await readdir(out), [])
    const again = real()
    assert.equal(await main(['cancel', `${out}/`], again.cli), 3)
    assert.match(again.text(), /nothing to cancel/)
  })

  it('several downloads in progress in dir/: lists them and asks for one (usage error, exit 2), touching nothing', async () => {
    const out = join(dir, 'several')
    await stoppedGet(`${out}/`)
    await writeFile(join(out, 'other.bin.resumable-part'), 'x')
    for (const command of ['status', 'cancel']) {
      const run = real()
      assert.equal(await main([command, out], run.cli), 2, run.text())
      assert.match(
        run.text(),
        /usage error: .*2 downloads in progress: .*other\.bin, .*report\.bin/,
      )
      const json = real()
      assert.equal(await main([command, out, '--json'], json.cli), 2)
      const event = JSON.parse(json.out.join('')) as { type: string; exitCode: number }
      assert.equal(event.type, 'error')
      assert.equal(event.exitCode, 2)
    }
    assert.equal((await readdir(out)).length, 3, 'nothing removed')
  })

  it('with --checkpoint <dir> elsewhere, the partial file in dir/ is enough to find the download', async () => {
    const out = join(dir, 'kept-elsewhere')
    const checkpoints = join(dir, 'checkpoints')
    await mkdir(checkpoints)
    await stoppedGet(`${out}/`, '--checkpoint', checkpoints)
    const status = real()
    assert.equal(
      await main(['status', `${out}/`, '--checkpoint', checkpoints, '--json'], status.cli),
      0,
    )
    assert.equal((JSON.parse(status.out.join('')) as { state: string }).state, 'in-progress')
    const cancel = real()
    assert.equal(await main(['cancel', `${out}/`, '--checkpoint', checkpoints], cancel.cli), 0)
    assert.deepEqual(await readdir(out), [])
    assert.deepEqual(await readdir(checkpoints), [])
  })

  it('status and cancel of a batch directory refuse --checkpoint (usage error naming it, exit 2), touching nothing', async () => {
    const batchDir = join(dir, 'a-batch')
    await mkdir(batchDir)
    await writeFile(join(batchDir, BATCH_JOURNAL_NAME), '')
    await writeFile(join(batchDir, 'x.bin.resumable-part'), 'partial')
    for (const command of ['status', 'cancel']) {
      for (const json of [false, true]) {
        const run = real()
        const argv = [command, batchDir, '--checkpoint', join(dir, 'elsewhere.json')]
        assert.equal(await main(json ? [...argv, '--json'] : argv, run.cli), 2, run.text())
        const said = json
          ? String((JSON.parse(run.out.join('')) as { message: string }).message)
          : run.err.join('')
        assert.match(said, /--checkpoint does not apply to the batch directory/)
      }
    }
    assert.deepEqual((await readdir(batchDir)).sort(), [BATCH_JOURNAL_NAME, 'x.bin.resumable-part'])
  })

  it('an empty directory still says there is no download in progress', async () => {
    const empty = join(dir, 'empty')
    await mkdir(empty)
    const status = real()
    assert.equal(await main(['status', `${empty}/`], status.cli), 0)
    assert.match(status.text(), /no download in progress/)
  })

  it('`get <url>` without dest (the current directory), then `status` and `cancel` without dest', async () => {
    await inNewDirectory(join(dir, 'cwd'), async () => {
      await stoppedGet(undefined)
      assert.equal(existsSync('report.bin.resumable-part'), true)
      const status = real()
      assert.equal(await main(['status', '--json'], status.cli), 0, status.text())
      const state = JSON.parse(status.out.join('')) as { state: string; partsDone: number }
      assert.equal(state.state, 'in-progress')
      assert.ok(state.partsDone >= 3)
      const cancel = real()
      assert.equal(await main(['cancel'], cancel.cli), 0, cancel.text())
      assert.match(cancel.text(), /current directory holds one download in progress: report\.bin/)
      assert.deepEqual(await readdir('.'), [])
    })
  })
})

describe('status / cancel beside files only named like a download’s', () => {
  it('cancel dir/ takes the one real download, not a look-alike notes.resumable.json, and keeps the look-alike', async () => {
    const out = join(dir, 'with-notes')
    await stoppedGet(`${out}/`)
    await writeFile(join(out, 'notes.resumable.json'), '{ my own notes')
    const cancel = real()
    assert.equal(await main(['cancel', `${out}/`], cancel.cli), 0, cancel.text())
    assert.match(cancel.text(), /removed the partial download of .*report\.bin/)
    assert.deepEqual(await readdir(out), ['notes.resumable.json'])
  })

  it('cancel <file> keeps a look-alike checkpoint, lock and partial file, names them, and exits 3', async () => {
    const out = join(dir, 'lookalikes')
    await mkdir(out)
    const mine: Record<string, string> = {
      'notes.resumable.json': JSON.stringify({ format: 'mine' }),
      'notes.resumable.lock': 'do not touch: Alice',
      'notes.resumable-part': 'copied from another machine',
    }
    for (const [name, text] of Object.entries(mine)) await writeFile(join(out, name), text)
    const cancel = real()
    assert.equal(await main(['cancel', join(out, 'notes')], cancel.cli), 3, cancel.text())
    assert.match(
      cancel.text(),
      /kept 3 file\(s\) named like resumable's that it cannot tell are its own: .*notes\.resumable-part/,
    )
    const json = real()
    assert.equal(await main(['cancel', join(out, 'notes'), '--json'], json.cli), 3, json.text())
    const said = JSON.parse(json.out.join('')) as { removed: string[]; lookalikes: string[] }
    assert.deepEqual(said.removed, [])
    assert.equal(said.lookalikes.length, 3)
    for (const [name, text] of Object.entries(mine))
      assert.equal(readFileSync(join(out, name), 'utf8'), text, `${name} untouched`)
  })
})
