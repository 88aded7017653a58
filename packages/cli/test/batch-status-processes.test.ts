import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-processes-'))
})
after(() => stopSignedMock({ server, dir }))

/** A lock held by process `pid`, as a batch writes its own and each big object's. */
const lockOf = (pid: number, startedAt: string) =>
  JSON.stringify({ pid, host: hostname(), startedAt })

describe('status and cancel of a batch directory one process downloads into', () => {
  it('count the process once, with the objects it holds, not once per lock', async (t) => {
    for (const key of ['p/a.bin', 'p/b.bin'])
      oss.putObject('s', key, { bytes: new TextEncoder().encode(key) })
    const dest = join(dir, 'one-process')
    const run = signedEnv()
    const get = ['get', 's3://s/p/', dest, '--recursive', '--endpoint', server.url]
    assert.equal(await main(get, run.cli), 0, run.text())
    // What one live batch process holds while it downloads two big objects (a lock naming this
    // test's own process would be judged left behind).
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'])
    const pid = holder.pid as number
    t.after(() => holder.kill())
    await writeFile(join(dest, '.resumable-batch.lock'), lockOf(pid, '2026-12-07T10:00:00.000Z'))
    for (const name of ['a.bin', 'b.bin']) {
      await writeFile(join(dest, `${name}.resumable-part`), 'some')
      await writeFile(join(dest, `${name}.resumable.lock`), lockOf(pid, '2026-12-07T10:00:01.000Z'))
    }

    const status = signedEnv()
    assert.equal(await main(['status', dest], status.cli), 0, status.text())
    const running = status.text().match(/^running: .*$/gm) ?? []
    assert.deepEqual(running.length, 1, status.text())
    assert.match(running[0] as string, new RegExp(`pid ${pid} on .*, 2 object\\(s\\) in flight`))
    const json = signedEnv()
    assert.equal(await main(['status', dest, '--json'], json.cli), 0)
    assert.deepEqual(
      (JSON.parse(json.out.join('')).running as { pid: number; objects: number }[]).map((r) => [
        r.pid,
        r.objects,
      ]),
      [[pid, 2]],
    )

    const cancel = signedEnv()
    assert.equal(await main(['cancel', dest], cancel.cli), 75, cancel.text())
    assert.match(cancel.text(), /not cancelled: a batch is downloading into /)
    assert.doesNotMatch(cancel.text(), /processes are/)
  })
})
