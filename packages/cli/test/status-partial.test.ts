import assert from 'node:assert/strict'
import { link, mkdtemp, rm, truncate, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

// `status` must not promise a resume that the next `get` will refuse: it looks at the partial
// file the checkpoint describes, as `get` does before resuming.
let server: MockOssServer
let dir = ''
const SIZE = 2 * 1024 * 1024 + 3

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'p.bin', { generated: { size: SIZE, seed: 42 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-status-partial-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const real = () => fakeEnvironment({ files: filePlaces })

/** A `get` of p.bin to `dest` that fails after three parts, leaving a partial file and its checkpoint. */
async function stoppedGet(dest: string): Promise<void> {
  server.oss.faults.add({
    fault: { type: 'status', status: 403, code: 'AccessDenied' },
    match: { ranged: true },
    skip: 3,
    times: 1,
  })
  const run = real()
  const args = ['get', `${server.url}/bucket/p.bin`, dest, '--part-size', '256KiB']
  assert.equal(await main([...args, '--concurrency', '1'], run.cli), 1, run.text())
}

async function status(dest: string): Promise<{ code: number; text: string; json: unknown }> {
  const human = real()
  const code = await main(['status', dest], human.cli)
  const json = real()
  assert.equal(await main(['status', dest, '--json'], json.cli), code)
  return { code, text: human.text(), json: JSON.parse(json.out.join('')) }
}

describe('status and the partial file', () => {
  it('a partial file longer than the object, a hard link, or none: unusable (exit 1) with the reason, not "paused"', async () => {
    const cases: [string, (part: string) => Promise<unknown>, string, RegExp][] = [
      ['longer', (part) => truncate(part, SIZE + 1), 'temp-unusable', /more than the object's/],
      ['linked', (part) => link(part, `${part}.other`), 'temp-unusable', /a hard link/],
      ['gone', (part) => unlink(part), 'temp-missing', /partial download it describes is gone/],
    ]
    for (const [name, spoil, problem, reason] of cases) {
      const dest = join(dir, `${name}.bin`)
      await stoppedGet(dest)
      assert.equal((await status(dest)).code, 0, 'resumable before it is spoiled')
      await spoil(`${dest}.resumable-part`)
      const after = await status(dest)
      assert.equal(after.code, 1, name)
      assert.match(after.text, reason)
      assert.match(after.text, /unusable .*the next run starts over/)
      assert.doesNotMatch(after.text, /paused/)
      const json = after.json as { state: string; problem: string; message: string }
      assert.equal(json.state, 'unusable', name)
      assert.equal(json.problem, problem, name)
      assert.match(json.message, reason)
    }
  })
})
