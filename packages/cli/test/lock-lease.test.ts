import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { shardOf } from '@resumable/core'
import type { MockOss } from '@resumable/testkit'
import { type MockOssServer, startLockRefresher } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock, tree } from './helpers.ts'

// The pods of an Indexed Job on one shared volume: a pod that dies leaves its locks behind, and
// its successor (or a later batch, or cancel) runs on another host, which cannot check its pid.
let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-lease-'))
})
after(() => stopSignedMock({ server, dir }))

const POD = `${hostname()}-datasets-1`
/** A lock as a pod on another node writes it: refreshed every 300 ms while it lives (here, every 100). */
const podLock = (batch: string) =>
  JSON.stringify({
    pid: 1,
    host: POD,
    startedAt: '2026-12-06T10:00:00.000Z',
    batch,
    heartbeatMs: 300,
  })

describe("a dead pod's locks on a shared volume", () => {
  it("its shard's successor takes its lock over after the lease, a whole batch starts beside its other split's lock, a live pod's lock refuses, and cancel removes the dead one's", async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `set/o${i}.bin`)
    for (const key of keys) oss.putObject('shared', key, { bytes: new TextEncoder().encode(key) })
    const dest = join(dir, 'data')
    await mkdir(dest)
    const get = (...extra: string[]) => [
      'get',
      's3://shared/set/',
      dest,
      '--recursive',
      '--endpoint',
      server.url,
      ...extra,
    ]
    const batch = `s3://shared/set/ → ${dest}`

    // The successor of shard 1/2 finds its predecessor's lock, unrefreshed.
    await writeFile(join(dest, '.resumable-batch.shard-1-of-2.lock'), podLock(batch))
    const successor = signedEnv()
    assert.equal(await main(get('--shard', '1/2'), successor.cli), 0, successor.text())
    assert.match(
      successor.text(),
      new RegExp(
        `a lock names pid 1 on ${POD} .*: watching it up to 2 s; taken over if not refreshed`,
      ),
    )
    const shardOne = keys.filter((key) => shardOf(key, 2) === 1).map((k) => k.slice(4))
    assert.deepEqual(
      (await tree(dest)).filter((n) => !n.startsWith('.')),
      shardOne.sort(),
    )
    assert.ok(!(await readdir(dest)).includes('.resumable-batch.shard-1-of-2.lock'))

    // A dead pod of another split would keep a whole batch out; watched, it does not.
    const otherSplit = '.resumable-batch.shard-0-of-3.lock'
    await writeFile(join(dest, otherSplit), podLock(batch))
    const whole = signedEnv()
    assert.equal(await main(get(), whole.cli), 0, whole.text())
    assert.deepEqual(
      (await tree(dest)).filter((n) => !n.startsWith('.')),
      keys.map((k) => k.slice(4)).sort(),
    )
    assert.ok((await readdir(dest)).includes(otherSplit), "another corner's lock left alone")
    // status only glances: another host's lock is listed with when it was last refreshed.
    const status = signedEnv()
    await main(['status', dest, '--json'], status.cli)
    const running = JSON.parse(status.out.join('')).running as {
      host: string
      refreshedAt?: string
    }[]
    assert.deepEqual(
      running.map((r) => [r.host, typeof r.refreshedAt]),
      [[POD, 'string']],
      status.text(),
    )

    // A live pod refreshes its lock: refused (exit 75) as soon as a refresh is seen.
    const wholeLock = join(dest, '.resumable-batch.lock')
    await writeFile(wholeLock, podLock(batch))
    const pod = await startLockRefresher(wholeLock, 100)
    try {
      const refused = signedEnv()
      assert.equal(await main(get(), refused.cli), 75, refused.text())
      assert.match(refused.text(), new RegExp(`pid 1 on ${POD}`))
      const cancelRefused = signedEnv()
      assert.equal(await main(['cancel', dest], cancelRefused.cli), 75, cancelRefused.text())
    } finally {
      await pod.kill()
    }

    // Both pods dead now: cancel watches their locks and removes them with the journals.
    const cancel = signedEnv()
    assert.equal(await main(['cancel', dest, '--json'], cancel.cli), 0, cancel.text())
    const removed = JSON.parse(cancel.out.join('')).removed as string[]
    assert.ok(removed.includes(otherSplit), removed.join())
    assert.ok(removed.includes('.resumable-batch.lock'), removed.join())
    assert.deepEqual(
      (await readdir(dest)).filter((n) => n.startsWith('.resumable-batch.')),
      [],
      'no lock or journal left',
    )
  })
  it("a single download's successor takes over a dead pod's lock on its file after the lease, and cancel of a file removes such a lock", async () => {
    oss.putObject('shared', 'one/big.bin', { bytes: new Uint8Array(300_000).fill(7) })
    const dest = join(dir, 'one.bin')
    const lock = `${dest}.resumable.lock`
    await writeFile(lock, podLock(''))
    const get = signedEnv()
    const args = ['get', 's3://shared/one/big.bin', dest, '--endpoint', server.url]
    assert.equal(await main(args, get.cli), 0, get.text())
    assert.match(get.text(), new RegExp(`a lock names pid 1 on ${POD} .*watching it up to 2 s`))
    assert.deepEqual(new Uint8Array(await readFile(dest)), new Uint8Array(300_000).fill(7))
    assert.equal(existsSync(lock), false, 'its lock released')

    const other = join(dir, 'two.bin')
    await writeFile(`${other}.resumable.lock`, podLock(''))
    const cancel = signedEnv()
    assert.equal(await main(['cancel', other], cancel.cli), 0, cancel.text())
    assert.match(cancel.text(), /watching it up to 2 s/)
    assert.equal(existsSync(`${other}.resumable.lock`), false, "the dead pod's lock removed")
  })
})
