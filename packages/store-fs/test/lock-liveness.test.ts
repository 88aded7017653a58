import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { TargetError } from '@resumable/core'
import {
  BATCH_LOCK_NAME,
  batchFileName,
  FileBatchStaging,
  FileTarget,
  LOCK_SUFFIX,
  type LockOwner,
} from '@resumable/store-fs'
import { LockFile } from '../src/lock-file.ts'
import { processStart } from '../src/lock-liveness.ts'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-lock-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const isKind = (kind: string) => (e: unknown) => e instanceof TargetError && e.kind === kind
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** A lock as a process on another machine of a shared volume writes it. */
const otherHostLock = (heartbeatMs?: number) =>
  JSON.stringify({
    pid: 7,
    host: `${hostname()}-elsewhere`,
    startedAt: '2026-12-06T10:00:00.000Z',
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  })
/** A real process that refreshes `path`'s modification time every `ms`, as a holder elsewhere does. */
const refresher = (path: string, ms: number): ChildProcess =>
  spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs'); setInterval(() => { const t = new Date(); try { fs.utimesSync(${JSON.stringify(path)}, t, t) } catch {} }, ${ms})`,
    ],
    { stdio: 'ignore' },
  )
const onLinux = process.platform === 'linux'

async function freshDir(name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir)
  return dir
}

describe('a lock held by its process', () => {
  it('records its process start and heartbeat, refreshes its modification time while held, and stops at release', async () => {
    const path = join(await freshDir('held'), 'x.lock')
    const lock = new LockFile(path, { heartbeatMs: 20 })
    await lock.acquire()
    const owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner
    assert.equal(owner.heartbeatMs, 20)
    assert.equal(owner.pid, process.pid)
    if (onLinux) assert.equal(owner.pidStart, processStart(process.pid))
    const first = statSync(path).mtimeMs
    await sleep(150)
    assert.notEqual(statSync(path).mtimeMs, first, 'refreshed by its heartbeat')
    await lock.release()
    assert.equal(existsSync(path), false)
  })

  it("release leaves a lock that another process took over meanwhile: it is the new holder's", async () => {
    const path = join(await freshDir('taken-over'), 'x.lock')
    const lock = new LockFile(path, { heartbeatMs: 1_000 })
    await lock.acquire()
    await writeFile(path, otherHostLock(1_000))
    await lock.release()
    assert.equal(await readFile(path, 'utf8'), otherHostLock(1_000))
  })
})

describe('a lock from another host', () => {
  it('is refused while its holder refreshes it, then taken over once that process is killed and the lease of six heartbeats runs out unrefreshed', async () => {
    const dest = join(await freshDir('pod'), 'object.bin')
    const lockPath = dest + LOCK_SUFFIX
    await writeFile(lockPath, otherHostLock(50))
    const holder = refresher(lockPath, 50)
    try {
      await sleep(200)
      await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
      assert.equal(await readFile(lockPath, 'utf8'), otherHostLock(50), 'its lock untouched')
    } finally {
      holder.kill('SIGKILL')
    }
    await sleep(100)
    const watched: number[] = []
    const target = new FileTarget(dest)
    const lockOf = new LockFile(lockPath, { onWatch: (_owner, ms) => watched.push(ms) })
    await lockOf.acquire()
    assert.deepEqual(watched, [300], 'watched for six heartbeats of 50 ms')
    assert.equal((JSON.parse(await readFile(lockPath, 'utf8')) as LockOwner).pid, process.pid)
    await lockOf.release()
    await writeFile(lockPath, otherHostLock(50))
    assert.deepEqual(await target.open({ size: 1, resume: false }), { resumed: false })
    await target.abort({ keep: false })
    assert.equal(existsSync(lockPath), false)
  })

  it("without a heartbeat (an older version's lock) is trusted: refused at once, never taken over", async () => {
    const dest = join(await freshDir('old-pod'), 'object.bin')
    await writeFile(dest + LOCK_SUFFIX, otherHostLock())
    await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
    assert.equal(await readFile(dest + LOCK_SUFFIX, 'utf8'), otherHostLock())
  })

  it("a dead pod's shard lock keeps a whole batch out only while refreshed; unrefreshed for its lease it is left alone and the batch starts", async () => {
    const dir = await freshDir('dead-pod-shard')
    const shardLock = join(dir, batchFileName('lock', { index: 1, count: 2 }))
    await writeFile(shardLock, otherHostLock(40))
    const holder = refresher(shardLock, 40)
    try {
      await sleep(150)
      await assert.rejects(FileBatchStaging.open(dir), isKind('locked'))
      assert.equal(existsSync(join(dir, BATCH_LOCK_NAME)), false, 'its own lock released')
    } finally {
      holder.kill('SIGKILL')
    }
    const watched: string[] = []
    const staging = await FileBatchStaging.open(dir, {
      onLockWatch: (owner, ms) => watched.push(`${owner.host} ${ms}`),
    })
    assert.deepEqual(watched, [`${hostname()}-elsewhere 240`])
    assert.equal(existsSync(join(dir, BATCH_LOCK_NAME)), true)
    await staging.close()
  })
})

describe('a lock of this host', () => {
  it('whose pid now belongs to a later process (another start) is stale; with the same start it is live', {
    skip: !onLinux && 'process starts are read from /proc',
  }, async () => {
    const dest = join(await freshDir('reused-pid'), 'object.bin')
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    })
    try {
      await sleep(100)
      const pid = sleeper.pid as number
      const lock = (pidStart: string) =>
        JSON.stringify({ pid, host: hostname(), startedAt: 'earlier', pidStart, heartbeatMs: 5000 })
      await writeFile(dest + LOCK_SUFFIX, lock(processStart(pid) as string))
      await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
      await writeFile(dest + LOCK_SUFFIX, lock('1'))
      const target = new FileTarget(dest)
      assert.deepEqual(await target.open({ size: 1, resume: false }), { resumed: false })
      await target.abort({ keep: false })
    } finally {
      sleeper.kill('SIGKILL')
    }
  })
})
