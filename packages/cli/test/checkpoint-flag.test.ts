import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

let server: MockOssServer
let dir = ''

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'obj.bin', { generated: { size: 300_001, seed: 9 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-checkpoint-flag-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/obj.bin`
const real = () => fakeEnvironment({ files: filePlaces, aliOss: aliOssFactory({}) })

describe('--checkpoint <file> never costs a file that is not a checkpoint', () => {
  it('refuses an existing file that is not a checkpoint (exit 2) and leaves it as it was', async () => {
    const notes = join(dir, 'notes.txt')
    await writeFile(notes, 'my precious notes')
    const { cli, text } = real()
    const code = await main(['get', url(), join(dir, 'a.bin'), '--checkpoint', notes], cli)
    assert.equal(code, 2, text())
    assert.match(text(), /notes\.txt exists and is not a resumable checkpoint; not overwritten/)
    assert.equal(await readFile(notes, 'utf8'), 'my precious notes')
    assert.equal(existsSync(join(dir, 'a.bin')), false)
  })

  it('refuses the destination itself and its partial file as the checkpoint', async () => {
    const dest = join(dir, 'b.bin')
    for (const checkpoint of [dest, `${dest}.resumable-part`]) {
      const { cli, text } = real()
      assert.equal(await main(['get', url(), dest, '--checkpoint', checkpoint], cli), 2)
      assert.match(text(), /is the download's own file/)
    }
  })

  it('takes a new file name and removes the checkpoint after success', async () => {
    const checkpoint = join(dir, 'c.ckpt')
    const { cli, text } = real()
    assert.equal(
      await main(['get', url(), join(dir, 'c.bin'), '--checkpoint', checkpoint], cli),
      0,
      text(),
    )
    assert.equal(existsSync(checkpoint), false, 'removed after success, as documented')
  })
})
