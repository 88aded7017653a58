import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import fs, { existsSync, type PathLike } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { TargetError, type Transport } from '@resumable/core'
import {
  BATCH_LOCK_NAME,
  BATCH_STAGING_NAME,
  batchFileName,
  FileBatchStaging,
  FileTarget,
  fileBatchObject,
  LOCK_SUFFIX,
  resolveInside,
  TEMP_SUFFIX,
} from '@resumable/store-fs'
import { onTmpfs } from './helpers/tmpfs.ts'
import { writeChunks } from './helpers/write-chunks.ts'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-staging-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const onNode = !('Bun' in globalThis) && !('Deno' in globalThis)
const isKind = (kind: string) => (e: unknown) => e instanceof TargetError && e.kind === kind
const lockOf = (pid: number) => JSON.stringify({ pid, host: hostname(), startedAt: 'earlier' })
/** A process that stays alive (a minute) for a lock to name; kill it with SIGKILL. */
const liveProcess = () =>
  spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
const deadPid = (): number =>
  Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString(),
  )

async function freshDir(name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir)
  return dir
}

describe('FileTarget with a private temporary path', () => {
  it('writes in the staging directory, takes no lock file, and publishes at the destination', async () => {
    const dir = await freshDir('private')
    const staging = await FileBatchStaging.open(dir)
    const dest = join(dir, 'a.bin')
    const target = new FileTarget(dest, { privateTempPath: staging.tempPath() })
    await target.open({ size: 3, resume: false })
    await target.write(0, new Uint8Array([1, 2, 3]))
    assert.deepEqual(await readdir(staging.dir), [target.tempPath.slice(staging.dir.length + 1)])
    assert.equal(existsSync(dest + LOCK_SUFFIX), false, 'no lock file beside the destination')
    assert.equal(existsSync(dest + TEMP_SUFFIX), false, 'no temporary file beside it either')
    await target.sync()
    await target.commit()
    assert.deepEqual(new Uint8Array(await readFile(dest)), new Uint8Array([1, 2, 3]))
    assert.deepEqual(await readdir(staging.dir), [], 'the staging copy is gone')
    await staging.close()
    assert.deepEqual((await readdir(dir)).sort(), ['a.bin'])
  })

  it('never replaces a file that appeared at the destination while downloading', async () => {
    const dir = await freshDir('appeared')
    const staging = await FileBatchStaging.open(dir)
    const dest = join(dir, 'b.bin')
    const target = new FileTarget(dest, { privateTempPath: staging.tempPath() })
    await target.open({ size: 2, resume: false })
    await target.write(0, new Uint8Array([7, 7]))
    await writeFile(dest, 'theirs')
    await assert.rejects(
      target.commit(),
      (e: unknown) => isKind('exists')(e) && (e as TargetError).remedies?.join() === 'overwrite',
    )
    assert.equal(await readFile(dest, 'utf8'), 'theirs', 'the other file is untouched')
    await target.abort({ keep: true })
    assert.deepEqual(await readdir(staging.dir), [], 'a private temporary file is never kept')
    await staging.close()
  })

  it("a batch object's first existence check answers from its path's resolution; a file that appears after it is still refused by the target, untouched", async () => {
    const dir = await freshDir('after-resolve')
    const staging = await FileBatchStaging.open(dir)
    const unused = {} as Transport
    const io = await fileBatchObject(dir, ['c.bin'], unused, { staging })
    await writeFile(join(dir, 'c.bin'), 'theirs')
    assert.equal(await io.existing(), undefined, 'nothing was there when the path was resolved')
    const target = io.target({ overwrite: false, singleRequest: true })
    // The resolution's answer serves `open` too; publishing is what refuses the newcomer.
    await target.open({ size: 1, resume: false })
    await target.write(0, new Uint8Array([1]))
    await assert.rejects(target.commit(), isKind('exists'))
    await target.abort({ keep: false })
    assert.equal(await readFile(join(dir, 'c.bin'), 'utf8'), 'theirs')
    assert.deepEqual(await readdir(staging.dir), [], 'nothing left in staging')
    assert.equal((await io.existing())?.size, 6, 'a later check looks again')
    await staging.close()
  })

  it("a batch object fetched in one request looks at its destination once: its path's resolution, not again at open", {
    skip: onNode ? false : "counts calls through Node's fs module",
  }, async () => {
    const dir = await freshDir('looks-once')
    const staging = await FileBatchStaging.open(dir)
    const dest = join(dir, 'd.bin')
    const looks: string[] = []
    const { lstatSync, statSync } = fs
    // Read-only in Deno's types; the test replaces them on Node only.
    const nodeFs = fs as { lstatSync: typeof lstatSync; statSync: typeof statSync }
    const spy =
      <F extends (path: PathLike, ...rest: never[]) => unknown>(real: F) =>
      (path: PathLike, ...rest: never[]) => {
        looks.push(String(path))
        return real(path, ...rest)
      }
    nodeFs.lstatSync = spy(lstatSync) as typeof lstatSync
    nodeFs.statSync = spy(statSync) as typeof statSync
    syncBuiltinESMExports()
    let target: FileTarget | undefined
    try {
      const io = await fileBatchObject(dir, ['d.bin'], {} as Transport, { staging })
      assert.equal(await io.existing(), undefined)
      target = io.target({ overwrite: false, singleRequest: true }) as FileTarget
      assert.deepEqual(
        looks.filter((path) => path === dest),
        [dest],
        'the resolution looked at the destination',
      )
      looks.length = 0
      await target.open({ size: 1, resume: false })
    } finally {
      nodeFs.lstatSync = lstatSync
      nodeFs.statSync = statSync
      syncBuiltinESMExports()
    }
    assert.deepEqual(
      looks.filter((path) => path === dest || path === dir),
      [],
      'open looked at neither the destination nor its directory again',
    )
    await target.write(0, new Uint8Array([9]))
    await target.commit()
    assert.deepEqual([...(await readFile(dest))], [9])
    await staging.close()
  })

  it('replaces an existing destination with overwrite', async () => {
    const dir = await freshDir('overwrite')
    const staging = await FileBatchStaging.open(dir)
    const dest = join(dir, 'c.bin')
    await writeFile(dest, 'old')
    const target = new FileTarget(dest, { overwrite: true, privateTempPath: staging.tempPath() })
    await target.open({ size: 3, resume: false })
    await target.write(0, new TextEncoder().encode('new'))
    await target.commit()
    assert.equal(await readFile(dest, 'utf8'), 'new')
    await staging.close()
  })

  it('refuses to publish a private file shorter than the object, and removes it', async () => {
    const dir = await freshDir('short')
    const staging = await FileBatchStaging.open(dir)
    const dest = join(dir, 'e.bin')
    const target = new FileTarget(dest, { privateTempPath: staging.tempPath() })
    await target.open({ size: 10, resume: false })
    await writeChunks(target, 0, [new Uint8Array(3), new Uint8Array(2)])
    await target.write(7, new Uint8Array(2))
    await assert.rejects(
      target.commit(),
      (e: unknown) => isKind('io')(e) && /holds 9 bytes/.test((e as Error).message),
    )
    assert.equal(existsSync(dest), false)
    await target.abort({ keep: true })
    assert.deepEqual(await readdir(staging.dir), [])
    await staging.close()
  })

  it('refuses a private path that is already taken instead of truncating it', async () => {
    const dir = await freshDir('taken')
    const taken = join(dir, 'someone-elses.part')
    await writeFile(taken, 'keep me')
    const target = new FileTarget(join(dir, 'd.bin'), { privateTempPath: taken })
    await assert.rejects(
      target.open({ size: 1, resume: false }),
      (e: unknown) => isKind('io')(e) && /EEXIST/.test((e as Error).message),
    )
    assert.equal(await readFile(taken, 'utf8'), 'keep me')
  })
})

describe('FileBatchStaging', () => {
  it('keeps a second batch out of the directory while one holds it, and tidies up on close', async () => {
    const dir = await freshDir('two-batches')
    const first = await FileBatchStaging.open(dir)
    const sleeper = liveProcess()
    try {
      // The lock as another live process would hold it.
      await first.close()
      await writeFile(join(dir, BATCH_LOCK_NAME), lockOf(sleeper.pid as number))
      await assert.rejects(FileBatchStaging.open(dir), isKind('locked'))
      assert.equal((await FileBatchStaging.runningIn(dir))[0]?.pid, sleeper.pid)
      await assert.rejects(FileBatchStaging.removeLeftovers(dir), isKind('locked'))
    } finally {
      sleeper.kill('SIGKILL')
      await rm(join(dir, BATCH_LOCK_NAME), { force: true })
    }
    const again = await FileBatchStaging.open(dir)
    assert.ok(existsSync(again.dir))
    await again.close()
    assert.deepEqual(await readdir(dir), [], 'no staging directory and no lock after close')
  })

  it("takes over a killed run's stale lock and empties the staging directory it left", async () => {
    const dir = await freshDir('stale')
    await mkdir(join(dir, BATCH_STAGING_NAME))
    await writeFile(join(dir, BATCH_STAGING_NAME, '0.part'), 'half an object')
    await writeFile(join(dir, BATCH_LOCK_NAME), lockOf(deadPid()))
    assert.deepEqual(await FileBatchStaging.runningIn(dir), [], 'a dead owner is not running')
    const staging = await FileBatchStaging.open(dir)
    assert.deepEqual(await readdir(staging.dir), [])
    await staging.close()
  })

  it('shards of one split hold one directory at once, each in its own corner; a whole batch, or a shard of another split, is refused beside them and they beside it', async () => {
    const dir = await freshDir('shards')
    const shard0 = await FileBatchStaging.open(dir, { shard: { index: 0, count: 2 } })
    const sleeper = liveProcess()
    const shard1Lock = join(dir, batchFileName('lock', { index: 1, count: 2 }))
    try {
      // Shard 1/2 held by another live process.
      await writeFile(shard1Lock, lockOf(sleeper.pid as number))
      for (const other of [{}, { shard: { index: 0, count: 3 } }]) {
        await assert.rejects(FileBatchStaging.open(dir, other), (e: unknown) => {
          assert.ok(isKind('locked')(e))
          assert.match((e as Error).message, /shard 1\/2 of a batch, pid \d+/)
          return true
        })
      }
      assert.deepEqual(
        (await FileBatchStaging.runningIn(dir)).map((r) => r.shard),
        [{ index: 1, count: 2 }],
        'this process is not counted; the other shard is, with its shard',
      )
      assert.deepEqual(
        (await readdir(dir)).sort(),
        [
          '.resumable-batch.shard-0-of-2.lock',
          '.resumable-batch.shard-0-of-2.staging',
          '.resumable-batch.shard-1-of-2.lock',
        ],
        'the refused batches left nothing',
      )
      await shard0.close()
      // And a shard beside a live whole batch.
      await rm(shard1Lock)
      await writeFile(join(dir, BATCH_LOCK_NAME), lockOf(sleeper.pid as number))
      await assert.rejects(
        FileBatchStaging.open(dir, { shard: { index: 1, count: 2 } }),
        isKind('locked'),
      )
      assert.deepEqual((await readdir(dir)).sort(), [BATCH_LOCK_NAME])
    } finally {
      sleeper.kill('SIGKILL')
      await rm(join(dir, BATCH_LOCK_NAME), { force: true })
    }
  })

  it('a shard runs beside the shards of its own batch only: the same count of another batch (another source into the same paths) is refused', async () => {
    const dir = await freshDir('shards-two-batches')
    const sleeper = liveProcess()
    try {
      const lock = join(dir, batchFileName('lock', { index: 1, count: 2 }))
      await writeFile(
        lock,
        JSON.stringify({ pid: sleeper.pid, host: hostname(), startedAt: 'earlier', batch: 'A' }),
      )
      assert.deepEqual(
        (await FileBatchStaging.runningIn(dir)).map((r) => r.batch),
        ['A'],
        'the lock names its batch',
      )
      const other = FileBatchStaging.open(dir, { shard: { index: 0, count: 2 }, batch: 'B' })
      await assert.rejects(other, (e: unknown) => {
        assert.ok(isKind('locked')(e))
        assert.match((e as Error).message, /shard 1\/2 of A, pid \d+/)
        return true
      })
      const mine = await FileBatchStaging.open(dir, { shard: { index: 0, count: 2 }, batch: 'A' })
      await mine.close()
    } finally {
      sleeper.kill('SIGKILL')
    }
  })

  it("removeLeftovers runs `first` and `last` holding every batch's lock (the whole batch's and each shard's found), `first` before the directories go", async () => {
    const dest = await freshDir('leftovers-under-locks')
    const shard = { index: 1, count: 3 }
    const staging = await FileBatchStaging.open(dest, { shard })
    const partial = await resolveInside(dest, ['sub', 'x.bin'], {
      onCreating: (d) => staging.directoryCreating(d),
      onCreated: (d) => staging.directoryCreated(d),
    })
    // Killed mid-object: its partial file and the shard's record and lock stay.
    await writeFile(`${partial}${TEMP_SUFFIX}`, 'half')
    await writeFile(join(dest, batchFileName('lock', shard)), lockOf(deadPid()))
    const locks = [BATCH_LOCK_NAME, batchFileName('lock', shard)]
    const seen: string[] = []
    const held = (when: string) => {
      for (const lock of locks) if (existsSync(join(dest, lock))) seen.push(`${when}: ${lock}`)
    }
    const removed: string[] = []
    await FileBatchStaging.removeLeftovers(dest, {
      onDirectoryRemoved: (d) => removed.push(d),
      first: async () => {
        held('first')
        await rm(`${partial}${TEMP_SUFFIX}`)
      },
      last: async () => held('last'),
    })
    assert.deepEqual(
      seen,
      locks.flatMap((lock) => [`first: ${lock}`]).concat(locks.map((lock) => `last: ${lock}`)),
    )
    assert.deepEqual(removed, ['sub'], 'emptied in `first`, so removed')
    assert.deepEqual(await readdir(dest), [], 'every lock released')
  })

  it('a shard ending while another runs keeps the directories it made that are empty, named in its record; removeLeftovers removes them once none runs', async () => {
    const dest = await freshDir('shard-dirs')
    const shard = { index: 0, count: 2 }
    const staging = await FileBatchStaging.open(dest, { shard })
    const made = (rel: string) =>
      resolveInside(dest, rel.split('/'), {
        onCreating: (d) => staging.directoryCreating(d),
        onCreated: (d) => staging.directoryCreated(d),
      })
    await made('empty/x.bin') // its object failed: nothing was put there
    await writeFile(await made('full/y.bin'), 'done')
    const sleeper = liveProcess()
    const other = join(dest, batchFileName('lock', { index: 1, count: 2 }))
    try {
      await writeFile(other, lockOf(sleeper.pid as number))
      await staging.close()
      assert.deepEqual(
        (await readdir(dest)).sort(),
        [
          '.resumable-batch.shard-0-of-2.dirs',
          '.resumable-batch.shard-1-of-2.lock',
          'empty',
          'full',
        ],
        'the empty directory stays while shard 1 runs',
      )
      assert.equal(
        await readFile(join(dest, batchFileName('dirs', shard)), 'utf8'),
        'empty\n',
        'the record names only the empty one',
      )
    } finally {
      sleeper.kill('SIGKILL')
      await new Promise((resolve) => sleeper.once('exit', resolve))
    }
    const removed: string[] = []
    assert.deepEqual(
      (
        await FileBatchStaging.removeLeftovers(dest, { onDirectoryRemoved: (d) => removed.push(d) })
      ).sort(),
      ['.resumable-batch.shard-0-of-2.dirs', '.resumable-batch.shard-1-of-2.lock'],
    )
    assert.deepEqual(removed, ['empty'])
    assert.deepEqual((await readdir(dest)).sort(), ['full'])
  })

  it('removeLeftovers removes a stale lock and staging directory and names them', async () => {
    const dir = await freshDir('leftovers')
    await mkdir(join(dir, BATCH_STAGING_NAME))
    await writeFile(join(dir, BATCH_STAGING_NAME, '1.part'), 'x')
    await writeFile(join(dir, BATCH_LOCK_NAME), lockOf(deadPid()))
    assert.deepEqual((await FileBatchStaging.removeLeftovers(dir)).sort(), [
      BATCH_LOCK_NAME,
      BATCH_STAGING_NAME,
    ])
    assert.deepEqual(await readdir(dir), [])
    assert.deepEqual(
      await FileBatchStaging.removeLeftovers(dir),
      [],
      'nothing left the second time',
    )
  })

  it('an object under a filesystem mounted inside the destination keeps its temporary file beside it (real tmpfs when root)', async (t) => {
    const dir = await freshDir('mounted')
    const mount = join(dir, 'mnt')
    await onTmpfs(t, mount, '1m', 'a mount inside the destination not exercised', async () => {
      const staging = await FileBatchStaging.open(dir)
      try {
        const transport = { id: 'unused' } as unknown as Transport
        const top = await fileBatchObject(dir, ['top.bin'], transport, { staging })
        const topTarget = top.target({ overwrite: false, singleRequest: true }) as FileTarget
        assert.ok(topTarget.tempPath.startsWith(staging.dir), 'same filesystem: staged')
        const inner = await fileBatchObject(dir, ['mnt', 'x.bin'], transport, { staging })
        const target = inner.target({ overwrite: false, singleRequest: true }) as FileTarget
        assert.equal(
          target.tempPath,
          join(mount, 'x.bin') + TEMP_SUFFIX,
          'another filesystem: beside it',
        )
        await target.open({ size: 2, resume: false })
        await target.write(0, new Uint8Array([4, 2]))
        await target.commit()
        assert.deepEqual(
          new Uint8Array(await readFile(join(mount, 'x.bin'))),
          new Uint8Array([4, 2]),
        )
      } finally {
        await staging.close()
      }
    })
  })

  it('hands out a different temporary path every time, and never one an earlier run handed out', async () => {
    const dir = await freshDir('names')
    const staging = await FileBatchStaging.open(dir)
    const paths = new Set(Array.from({ length: 100 }, () => staging.tempPath()))
    assert.equal(paths.size, 100)
    await staging.close()
    // The next run into the directory (a successor that took a stalled run's lock over) names
    // its files apart: the stalled run, resuming, must not publish one of them as its own.
    const next = await FileBatchStaging.open(dir)
    const again = Array.from({ length: 100 }, () => next.tempPath())
    assert.deepEqual(
      again.filter((path) => paths.has(path)),
      [],
    )
    await next.close()
  })

  it('a key into the staging directory or named like the batch lock is refused', async () => {
    const dir = await freshDir('reserved')
    for (const segments of [
      [BATCH_STAGING_NAME, '0.part'],
      [BATCH_LOCK_NAME],
      ['a', BATCH_STAGING_NAME, 'b'],
    ]) {
      await assert.rejects(
        resolveInside(dir, segments),
        (e: unknown) => e instanceof Error && (e as { reason?: string }).reason === 'reserved-name',
        segments.join('/'),
      )
    }
    assert.deepEqual(await readdir(dir), [], 'nothing created for a refused key')
  })
})
