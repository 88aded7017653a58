import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, statSync, utimesSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { TargetError } from '@resumable/core'
import {
  BATCH_LOCK_NAME,
  batchFileName,
  FileBatchJournalStore,
  FileBatchStaging,
  FileCheckpointStore,
  FileTarget,
  LOCK_SUFFIX,
  type LockOwner,
} from '@resumable/store-fs'
import { startLockRefresher } from '@resumable/testkit/node'
import { UNDER_LOCK } from '../src/file-target.ts'
import { LockFile } from '../src/lock-file.ts'
import { pidScope, processStart } from '../src/lock-liveness.ts'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-lock-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const isKind = (kind: string) => (e: unknown) => e instanceof TargetError && e.kind === kind
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const OTHER_HOST = `${hostname()}-elsewhere`
/** A lock as a process on another machine of a shared volume writes it. */
const otherHostLock = (heartbeatMs?: number) =>
  JSON.stringify({
    pid: 7,
    host: OTHER_HOST,
    startedAt: '2026-12-06T10:00:00.000Z',
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  })
/** A process that stays alive (a minute) for a lock to name. */
const sleeper = () =>
  spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
const onLinux = process.platform === 'linux'

async function freshDir(name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir)
  return dir
}

describe('a lock held by its process', () => {
  it('records its process start, scope and heartbeat, refreshes its modification time while held, and removes it at release', async () => {
    const path = join(await freshDir('held'), 'x.lock')
    const lock = new LockFile(path, { heartbeatMs: 100 })
    await lock.acquire()
    const owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner
    assert.equal(owner.heartbeatMs, 100)
    assert.equal(owner.pid, process.pid)
    if (onLinux) {
      assert.equal(owner.pidStart, processStart(process.pid))
      assert.equal(owner.pidScope, pidScope())
    }
    const first = statSync(path).mtimeMs
    await sleep(600)
    assert.notEqual(statSync(path).mtimeMs, first, 'refreshed by its heartbeat')
    await lock.release()
    assert.equal(existsSync(path), false)
  })

  it('a holder whose lock was taken over gives it up: told once, it stops refreshing it and leaves it at release', async () => {
    const path = join(await freshDir('taken-over'), 'x.lock')
    let told = 0
    const lock = new LockFile(path, { heartbeatMs: 100, onLost: () => told++ })
    await lock.acquire()
    await writeFile(path, otherHostLock(1_000))
    utimesSync(path, new Date(0), new Date(0))
    await sleep(600)
    assert.equal(lock.lost, true)
    assert.equal(told, 1, 'told once, to stop writing')
    assert.equal(lock.held, false)
    assert.equal(statSync(path).mtimeMs, 0, 'the new holder’s lock not refreshed by the old one')
    await lock.release()
    assert.equal(await readFile(path, 'utf8'), otherHostLock(1_000))
  })

  it('a download whose lock was taken over before its commit publishes nothing', async () => {
    const dest = join(await freshDir('publish'), 'object.bin')
    const target = new FileTarget(dest)
    await target.open({ size: 3, resume: false })
    await target.write(0, new Uint8Array([1, 2, 3]))
    await writeFile(dest + LOCK_SUFFIX, otherHostLock(5_000))
    await assert.rejects(target.commit(), (e) => {
      assert.ok(isKind('locked')(e))
      assert.match((e as Error).message, /took over the lock/)
      return true
    })
    assert.equal(existsSync(dest), false, 'nothing at the destination')
    assert.equal(await readFile(dest + LOCK_SUFFIX, 'utf8'), otherHostLock(5_000))
  })

  it('confirm trusts a lock refreshed within two heartbeats, and reads it after a stall: then a takeover is seen before the next heartbeat', async () => {
    const path = join(await freshDir('confirm'), 'x.lock')
    const lock = new LockFile(path, { heartbeatMs: 100 })
    await lock.acquire()
    assert.equal(lock.confirm(), true, 'held')
    await writeFile(path, otherHostLock(1_000))
    // This process stalls (its event loop blocked, as a stopped process is) past two heartbeats.
    const until = Date.now() + 300
    while (Date.now() < until) {}
    assert.equal(lock.confirm(), false, 'read again after the stall: taken over')
    assert.equal(lock.lost, true)
    await lock.release()
    assert.equal(await readFile(path, 'utf8'), otherHostLock(1_000))
  })

  it("a file staged under a batch's lock is not published once that lock is taken over, even with overwrite", async () => {
    const dir = await freshDir('staged')
    const dest = join(dir, 'object.bin')
    await writeFile(dest, 'the new holder’s newer version')
    const batchLock = { path: join(dir, '.resumable-batch.lock'), confirm: () => false }
    const target = new FileTarget(dest, {
      overwrite: true,
      privateTempPath: join(dir, 'staged.part'),
      [UNDER_LOCK]: batchLock,
    })
    await target.open({ size: 3, resume: false })
    await target.write(0, new Uint8Array([1, 2, 3]))
    await assert.rejects(target.commit(), (e) => {
      assert.ok(isKind('locked')(e))
      assert.match((e as Error).message, /took over the lock .*resumable-batch\.lock/)
      return true
    })
    assert.equal(await readFile(dest, 'utf8'), 'the new holder’s newer version')
  })

  it('a checkpoint save after its lock was taken over is refused: nothing saved behind the new holder, its lock untouched', async () => {
    const dest = join(await freshDir('checkpoint-after-takeover'), 'object.bin')
    const target = new FileTarget(dest)
    const store = new FileCheckpointStore()
    await target.open({ size: 3, resume: false })
    await target.write(0, new Uint8Array([1, 2, 3]))
    // What the engine does: sync, then save. This process stops between the two, past its lease:
    // another takes the lock over, finishes and removes the checkpoint.
    await target.sync()
    await store.save(target.id, new Uint8Array([7]))
    assert.equal(existsSync(store.pathFor(target.id)), true, 'saved while the lock is held')
    await writeFile(dest + LOCK_SUFFIX, otherHostLock(5_000))
    await store.remove(target.id)
    await assert.rejects(store.save(target.id, new Uint8Array([8])), (e) => {
      assert.ok(isKind('locked')(e))
      assert.match((e as Error).message, /took over the lock .* checkpoint .* not saved/)
      return true
    })
    assert.equal(existsSync(store.pathFor(target.id)), false, 'no checkpoint left behind')
    assert.equal(await readFile(dest + LOCK_SUFFIX, 'utf8'), otherHostLock(5_000))
    await target.abort({ keep: true })
  })

  it('a checkpoint save after the process released its own lock is not refused', async () => {
    const dest = join(await freshDir('checkpoint-after-release'), 'object.bin')
    const target = new FileTarget(dest)
    const store = new FileCheckpointStore()
    await target.open({ size: 1, resume: false })
    await target.write(0, new Uint8Array([1]))
    await target.commit()
    await store.save(target.id, new Uint8Array([9]))
    assert.deepEqual(new Uint8Array(await readFile(store.pathFor(target.id))), new Uint8Array([9]))
  })

  it("a batch journal's append, save and removal after its lock was taken over are refused: the new holder's journal untouched", async () => {
    const dir = await freshDir('journal-after-takeover')
    const shard = { index: 1, count: 2 }
    const lock = new LockFile(join(dir, batchFileName('lock', shard)), { heartbeatMs: 100 })
    await lock.acquire()
    const journal = FileBatchJournalStore.in(dir, shard)
    await journal.append(new TextEncoder().encode('mine\n'))
    // This process stops past its lease (its event loop blocked); another takes the shard over
    // and rewrites the journal.
    await writeFile(lock.path, otherHostLock(1_000))
    await writeFile(journal.path, 'the new holder’s journal\n')
    const until = Date.now() + 300
    while (Date.now() < until) {}
    const refused = (what: string) => (e: unknown) => {
      assert.ok(isKind('locked')(e))
      assert.match(
        (e as Error).message,
        new RegExp(`took over the lock .*shard-1-of-2\\.lock.* journal .* ${what}`),
      )
      return true
    }
    await assert.rejects(
      journal.append(new TextEncoder().encode('late\n')),
      refused('not appended to'),
    )
    await assert.rejects(
      journal.save(new TextEncoder().encode('older view\n')),
      refused('not saved'),
    )
    await assert.rejects(journal.remove(), refused('not removed'))
    assert.equal(await readFile(journal.path, 'utf8'), 'the new holder’s journal\n')
    assert.equal(existsSync(`${journal.path}.tmp`), false, 'no temporary file left')
    await lock.release()
    assert.equal(await readFile(lock.path, 'utf8'), otherHostLock(1_000))
  })

  it('a batch journal is appended, saved and removed while its lock is held, and after the process released it', async () => {
    const dir = await freshDir('journal-held')
    const lock = new LockFile(join(dir, BATCH_LOCK_NAME), { heartbeatMs: 100 })
    await lock.acquire()
    const journal = FileBatchJournalStore.in(dir)
    await journal.append(new TextEncoder().encode('a\n'))
    await journal.save(new TextEncoder().encode('b\n'))
    await journal.append(new TextEncoder().encode('c\n'))
    assert.equal(await readFile(journal.path, 'utf8'), 'b\nc\n')
    await lock.release()
    await journal.save(new TextEncoder().encode('d\n'))
    await journal.remove()
    assert.equal(existsSync(journal.path), false)
  })

  it('a batch whose lock was taken over leaves its corner to the new holder at close: staging directory, files and lock untouched', async () => {
    const dir = await freshDir('batch-taken-over')
    const staging = await FileBatchStaging.open(dir)
    const temp = staging.tempPath()
    await writeFile(temp, 'the new holder’s bytes')
    await writeFile(join(dir, BATCH_LOCK_NAME), otherHostLock(5_000))
    await staging.close()
    assert.equal(await readFile(temp, 'utf8'), 'the new holder’s bytes')
    assert.equal(await readFile(join(dir, BATCH_LOCK_NAME), 'utf8'), otherHostLock(5_000))
  })

  it('an unreadable lock gets a moment to be written: one filled meanwhile by a live process is respected', async () => {
    const dest = join(await freshDir('half-written'), 'object.bin')
    const live = sleeper()
    try {
      await once(live, 'spawn')
      const pid = live.pid as number
      await writeFile(dest + LOCK_SUFFIX, '')
      setTimeout(() => {
        const text = JSON.stringify({ pid, host: hostname(), startedAt: 'now' })
        void writeFile(dest + LOCK_SUFFIX, text)
      }, 100)
      await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
    } finally {
      live.kill('SIGKILL')
    }
  })
})

describe("a user's file at the lock's place", () => {
  it('is refused (TargetError exists, no remedies) and kept, not taken over as unreadable', async () => {
    const dest = join(await freshDir('users-lock'), 'object.bin')
    await writeFile(dest + LOCK_SUFFIX, 'do not touch: Alice')
    await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), (error) => {
      assert.ok(error instanceof TargetError)
      assert.equal(error.kind, 'exists')
      assert.deepEqual(error.remedies, [])
      assert.match(
        error.message,
        /object\.bin\.resumable\.lock is where this download keeps its lock, but it is not a resumable lock/,
      )
      return true
    })
    assert.equal(await readFile(dest + LOCK_SUFFIX, 'utf8'), 'do not touch: Alice')
    assert.equal(existsSync(`${dest}.resumable-part`), false, 'no partial file created')
  })

  it('a lock cut short after its first bytes is still taken over as one of ours once it stays so', async () => {
    const dest = join(await freshDir('torn-lock'), 'object.bin')
    await writeFile(dest + LOCK_SUFFIX, '{"pid":12')
    const target = new FileTarget(dest)
    assert.deepEqual(await target.open({ size: 1, resume: false }), { resumed: false })
    await target.abort({ keep: false })
    assert.equal(existsSync(dest + LOCK_SUFFIX), false)
  })

  it('a lock whose bytes a power loss left as NUL bytes is taken over as one of ours, not refused as a user file', async () => {
    const dest = join(await freshDir('zeroed-lock'), 'object.bin')
    await writeFile(dest + LOCK_SUFFIX, new Uint8Array(97))
    const target = new FileTarget(dest)
    assert.deepEqual(await target.open({ size: 1, resume: false }), { resumed: false })
    await target.abort({ keep: false })
    assert.equal(existsSync(dest + LOCK_SUFFIX), false)
  })
})

describe('a lock that cannot be judged by its pid', () => {
  it('from another host: refused while its holder refreshes it, then taken over once that process is killed and six heartbeats pass unrefreshed', async () => {
    const dest = join(await freshDir('pod'), 'object.bin')
    const lockPath = dest + LOCK_SUFFIX
    await writeFile(lockPath, otherHostLock(250))
    const holder = await startLockRefresher(lockPath, 50)
    try {
      await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
      assert.equal(await readFile(lockPath, 'utf8'), otherHostLock(250), 'its lock untouched')
    } finally {
      await holder.kill()
    }
    const watched: number[] = []
    const target = new FileTarget(dest, { onLockWatch: (_owner, ms) => watched.push(ms) })
    assert.deepEqual(await target.open({ size: 1, resume: false }), { resumed: false })
    assert.deepEqual(watched, [1_500], 'watched for six heartbeats of 250 ms')
    assert.equal((JSON.parse(await readFile(lockPath, 'utf8')) as LockOwner).pid, process.pid)
    await target.abort({ keep: false })
    assert.equal(existsSync(lockPath), false)
  })

  it('of this host name but another pid scope (another pod of the same name): judged by its heartbeat, not by a pid that means nothing here', {
    skip: !onLinux && 'pid scopes are read from /proc',
  }, async () => {
    const dest = join(await freshDir('same-name-pod'), 'object.bin')
    const lockPath = dest + LOCK_SUFFIX
    // A pid no process of this scope has: a pid check alone would take the lock over at once.
    const text = JSON.stringify({
      pid: 2 ** 22 + 1,
      host: hostname(),
      startedAt: 'earlier',
      pidScope: 'another-boot pid:[1]',
      heartbeatMs: 250,
    })
    await writeFile(lockPath, text)
    const holder = await startLockRefresher(lockPath, 50)
    try {
      await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
    } finally {
      await holder.kill()
    }
    const target = new FileTarget(dest)
    assert.deepEqual(await target.open({ size: 1, resume: false }), { resumed: false })
    await target.abort({ keep: false })
  })

  it('a recorded heartbeat below 100 ms counts as 100: a live holder is not taken over under mtime resolution', async () => {
    const dest = join(await freshDir('tiny-heartbeat'), 'object.bin')
    await writeFile(dest + LOCK_SUFFIX, otherHostLock(1))
    const holder = await startLockRefresher(dest + LOCK_SUFFIX, 20)
    const watched: number[] = []
    try {
      await assert.rejects(
        new FileTarget(dest, { onLockWatch: (_o, ms) => watched.push(ms) }).open({
          size: 1,
          resume: false,
        }),
        isKind('locked'),
      )
    } finally {
      await holder.kill()
    }
    assert.deepEqual(watched, [600])
  })

  it('of a process found dead, its other locks are taken without a lease each, but one it refreshed after its stall is watched, and refused while refreshed', async () => {
    const dir = await freshDir('stopped-holder')
    const text = JSON.stringify({
      pid: 8,
      host: OTHER_HOST,
      startedAt: '2026-12-07T10:00:00.000Z',
      pidStart: 'start-of-8',
      heartbeatMs: 250,
    })
    const lockOf = (name: string) => join(dir, name) + LOCK_SUFFIX
    const stalledAt = Date.now() - 60_000
    for (const [name, refreshed] of [
      ['watched.bin', stalledAt],
      ['also-stalled.bin', stalledAt + 200],
      ['refreshed-since.bin', Date.now()],
    ] as const) {
      await writeFile(lockOf(name), text)
      utimesSync(lockOf(name), new Date(refreshed), new Date(refreshed))
    }
    const watched: string[] = []
    const targets: FileTarget[] = []
    const open = (name: string) => {
      const target = new FileTarget(join(dir, name), {
        onLockWatch: (_owner, ms) => watched.push(`${name} ${ms}`),
      })
      targets.push(target)
      return target.open({ size: 1, resume: false })
    }
    assert.deepEqual(await open('watched.bin'), { resumed: false })
    assert.deepEqual(await open('also-stalled.bin'), { resumed: false })
    assert.deepEqual(watched, ['watched.bin 1500'], 'the second lock taken without a watch')
    // The holder continued after its stall: it refreshes the lock it still holds.
    const holder = await startLockRefresher(lockOf('refreshed-since.bin'), 50)
    try {
      await assert.rejects(open('refreshed-since.bin'), isKind('locked'))
      assert.equal(
        await readFile(lockOf('refreshed-since.bin'), 'utf8'),
        text,
        'its lock untouched',
      )
    } finally {
      await holder.kill()
    }
    assert.deepEqual(watched, ['watched.bin 1500', 'refreshed-since.bin 1500'])
    for (const target of targets.slice(0, 2)) await target.abort({ keep: false })
  })

  it("without a heartbeat (an older version's lock) from another host is trusted: refused at once, never taken over", async () => {
    const dest = join(await freshDir('old-pod'), 'object.bin')
    await writeFile(dest + LOCK_SUFFIX, otherHostLock())
    await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
    assert.equal(await readFile(dest + LOCK_SUFFIX, 'utf8'), otherHostLock())
  })

  it("a dead pod's shard lock keeps a whole batch out only while refreshed; unrefreshed for its lease it is left in place and the batch starts", async () => {
    const dir = await freshDir('dead-pod-shard')
    const shardLock = join(dir, batchFileName('lock', { index: 1, count: 2 }))
    await writeFile(shardLock, otherHostLock(250))
    const holder = await startLockRefresher(shardLock, 50)
    try {
      await assert.rejects(FileBatchStaging.open(dir), isKind('locked'))
      assert.equal(existsSync(join(dir, BATCH_LOCK_NAME)), false, 'its own lock released')
    } finally {
      await holder.kill()
    }
    const watched: string[] = []
    const staging = await FileBatchStaging.open(dir, {
      onLockWatch: (owner, ms) => watched.push(`${owner.host} ${ms}`),
    })
    assert.deepEqual(watched, [`${OTHER_HOST} 1500`])
    assert.equal(existsSync(join(dir, BATCH_LOCK_NAME)), true)
    assert.equal(await readFile(shardLock, 'utf8'), otherHostLock(250), "another corner's lock")
    await staging.close()
  })
})

describe('a lock of this host and scope', () => {
  it('whose pid now belongs to a later process (another start) is stale; with the same start it is live', {
    skip: !onLinux && 'process starts are read from /proc',
  }, async () => {
    const dest = join(await freshDir('reused-pid'), 'object.bin')
    const live = sleeper()
    try {
      await once(live, 'spawn')
      const pid = live.pid as number
      const lock = (pidStart: string) =>
        JSON.stringify({ pid, host: hostname(), startedAt: 'earlier', pidStart, heartbeatMs: 5000 })
      await writeFile(dest + LOCK_SUFFIX, lock(processStart(pid) as string))
      await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
      await writeFile(dest + LOCK_SUFFIX, lock('1'))
      const target = new FileTarget(dest)
      assert.deepEqual(await target.open({ size: 1, resume: false }), { resumed: false })
      await target.abort({ keep: false })
    } finally {
      live.kill('SIGKILL')
    }
  })
})
