import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import {
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it, type TestContext } from 'node:test'
import { TargetError } from '@resumable/core'
import { FileTarget, LOCK_SUFFIX, TEMP_SUFFIX } from '@resumable/store-fs'
import { onTmpfs } from './helpers/tmpfs.ts'
import { writeChunks } from './helpers/write-chunks.ts'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const isKind = (kind: string) => (e: unknown) => e instanceof TargetError && e.kind === kind
/** An `exists` whose only remedy is the target's own `overwrite`. */
const existsUnlessOverwrite = (e: unknown) =>
  isKind('exists')(e) && (e as TargetError).remedies?.join() === 'overwrite'

describe('FileTarget', () => {
  it('publishes out-of-order writes atomically and leaves no temp or lock file', async () => {
    const dest = join(root, 'a.bin')
    const target = new FileTarget(dest)
    assert.deepEqual(await target.open({ size: 6, resume: false }), { resumed: false })
    await target.write(3, new Uint8Array([4, 5, 6]))
    await target.write(0, new Uint8Array([1, 2, 3]))
    assert.equal(existsSync(dest), false, 'nothing at the destination before commit')
    await target.sync()
    await target.commit()
    assert.deepEqual(new Uint8Array(await readFile(dest)), new Uint8Array([1, 2, 3, 4, 5, 6]))
    assert.equal(existsSync(dest + TEMP_SUFFIX), false)
    assert.equal(existsSync(dest + LOCK_SUFFIX), false)
  })

  it('has a gather write except on Bun, where the engine copies chunks into its buffer halves instead', () => {
    const target = new FileTarget(join(root, 'has-gather.bin'))
    assert.equal(typeof target.writeChunks, 'Bun' in globalThis ? 'undefined' : 'function')
  })

  it('writeChunks lays chunks (an empty one among them) back to back from the offset', async () => {
    const dest = join(root, 'gather.bin')
    const target = new FileTarget(dest)
    await target.open({ size: 9, resume: false })
    await target.write(0, new Uint8Array([9, 9]))
    const big = new Uint8Array(5).map((_, i) => 10 + i)
    await writeChunks(target, 2, [new Uint8Array([1, 2]), new Uint8Array(0), big.subarray(1)])
    await target.write(8, new Uint8Array([7]))
    await target.sync()
    await target.commit()
    assert.deepEqual(
      new Uint8Array(await readFile(dest)),
      new Uint8Array([9, 9, 1, 2, 11, 12, 13, 14, 7]),
    )
  })

  it('refuses to publish a temp file of the wrong size', async () => {
    const target = new FileTarget(join(root, 'short.bin'))
    await target.open({ size: 10, resume: false })
    await target.write(0, new Uint8Array(4))
    await assert.rejects(target.commit(), isKind('io'))
    assert.equal(existsSync(join(root, 'short.bin')), false)
    assert.equal(existsSync(join(root, 'short.bin') + TEMP_SUFFIX), true, 'the temp file is kept')
    await target.abort({ keep: false })
  })

  it('reopens the temp file on resume, says how long it is, and reads back what was synced', async () => {
    const dest = join(root, 'resume.bin')
    const first = new FileTarget(dest)
    await first.open({ size: 4, resume: false })
    await first.write(0, new Uint8Array([9, 8]))
    await first.sync()
    await first.abort({ keep: true })
    const second = new FileTarget(dest)
    assert.deepEqual(await second.open({ size: 4, resume: true }), { resumed: true, length: 2 })
    assert.deepEqual(await second.read(0, 2), new Uint8Array([9, 8]))
    await second.abort({ keep: false })
    assert.equal(existsSync(dest + TEMP_SUFFIX), false)
  })

  it('reports resumed: false when there is no temp file to reopen', async () => {
    const target = new FileTarget(join(root, 'fresh.bin'))
    assert.deepEqual(await target.open({ size: 1, resume: true }), { resumed: false })
    await target.abort({ keep: false })
  })

  it('does not resume a temp file longer than the object, and says so with both lengths', async () => {
    const dest = join(root, 'too-long.bin')
    await writeFile(dest + TEMP_SUFFIX, 'abcdefgh')
    const target = new FileTarget(dest)
    assert.deepEqual(await target.open({ size: 4, resume: true }), {
      resumed: false,
      notResumedReason: `${dest}${TEMP_SUFFIX} holds 8 bytes, more than the object's 4, so it cannot be this download's`,
    })
    await target.write(0, new TextEncoder().encode('abcd'))
    await target.commit()
    assert.equal(await readFile(dest, 'utf8'), 'abcd')
  })

  it('refuses an existing destination unless overwrite (its remedy), before writing anything', async () => {
    const dest = join(root, 'exists.bin')
    await writeFile(dest, 'old')
    await assert.rejects(
      new FileTarget(dest).open({ size: 3, resume: false }),
      existsUnlessOverwrite,
    )
    assert.equal(existsSync(dest + TEMP_SUFFIX), false)
    const target = new FileTarget(dest, { overwrite: true })
    await target.open({ size: 3, resume: false })
    await target.write(0, new TextEncoder().encode('new'))
    await target.commit()
    assert.equal(await readFile(dest, 'utf8'), 'new')
  })

  it('never writes through a symlink planted at the temp path, fresh or on resume', async () => {
    const victim = join(root, 'victim.txt')
    await writeFile(victim, 'VICTIM')
    for (const resume of [false, true]) {
      const dest = join(root, `planted-${resume}.bin`)
      await symlink(victim, dest + TEMP_SUFFIX)
      const target = new FileTarget(dest)
      const opened = await target.open({ size: 3, resume })
      assert.equal(opened.resumed, false)
      // Refused, not missing: on resume the target says why it would not reopen the file there.
      if (resume) assert.match(String(opened.notResumedReason), /is not a regular file/)
      else assert.equal(opened.notResumedReason, undefined)
      await target.write(0, new TextEncoder().encode('new'))
      await target.commit()
      assert.equal(await readFile(victim, 'utf8'), 'VICTIM', 'the link target is untouched')
      assert.equal((await lstat(dest)).isFile(), true, 'the destination is a file, not the link')
      assert.equal(await readFile(dest, 'utf8'), 'new')
    }
  })

  it('does not resume a temp file that is a hard link to another file', async () => {
    const victim = join(root, 'linked-victim.txt')
    await writeFile(victim, 'VI')
    const dest = join(root, 'hardlinked.bin')
    await link(victim, dest + TEMP_SUFFIX)
    const target = new FileTarget(dest)
    const opened = await target.open({ size: 4, resume: true })
    assert.equal(opened.resumed, false)
    assert.match(String(opened.notResumedReason), /has another name \(a hard link\)/)
    await target.write(0, new TextEncoder().encode('abcd'))
    await target.commit()
    assert.equal(await readFile(victim, 'utf8'), 'VI')
    assert.equal(await readFile(dest, 'utf8'), 'abcd')
  })

  it('refuses a dangling symlink at the destination unless overwrite, and then replaces the link', async () => {
    const dest = join(root, 'dangling.bin')
    const gone = join(root, 'gone', 'target.bin')
    await symlink(gone, dest)
    await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('exists'))
    const target = new FileTarget(dest, { overwrite: true })
    await target.open({ size: 1, resume: false })
    await target.write(0, new Uint8Array([7]))
    await target.commit()
    assert.equal((await lstat(dest)).isFile(), true)
    assert.equal(existsSync(gone), false, 'nothing was created where the link pointed')
  })

  it('says the destination is a directory', async () => {
    await mkdir(join(root, 'dir'))
    await assert.rejects(
      new FileTarget(join(root, 'dir')).open({ size: 1, resume: false }),
      isKind('is-directory'),
    )
  })

  it('says the destination is a directory when it is a symlink to one, even with overwrite', async () => {
    await mkdir(join(root, 'real-dir'))
    await symlink(join(root, 'real-dir'), join(root, 'dir-link'))
    for (const overwrite of [false, true])
      await assert.rejects(
        new FileTarget(join(root, 'dir-link'), { overwrite }).open({ size: 1, resume: false }),
        isKind('is-directory'),
      )
  })

  it('says a directory at the temp path is a directory in the way, fresh or on resume, and leaves what it holds', async () => {
    for (const resume of [false, true]) {
      const dest = join(root, `temp-dir-${resume}.bin`)
      await mkdir(dest + TEMP_SUFFIX)
      await writeFile(join(dest + TEMP_SUFFIX, 'keep'), 'kept')
      await assert.rejects(new FileTarget(dest).open({ size: 1, resume }), (e: unknown) => {
        assert.ok(isKind('is-directory')(e), String(e))
        assert.match(
          (e as TargetError).message,
          /\.resumable-part is a directory, where this download keeps its partial file; move or remove it/,
        )
        return true
      })
      assert.equal(await readFile(join(dest + TEMP_SUFFIX, 'keep'), 'utf8'), 'kept')
    }
  })

  it('says the parent directory does not exist (and does not create it)', async () => {
    const dest = join(root, 'missing', 'x.bin')
    await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('not-found'))
    assert.equal(existsSync(join(root, 'missing')), false)
  })

  it('says a file stands where the parent directory must be (not-a-directory, not a missing directory), and touches nothing', async () => {
    await writeFile(join(root, 'plain'), 'kept')
    const dest = join(root, 'plain', 'x.bin')
    await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), (e: unknown) => {
      assert.ok(isKind('not-a-directory')(e), String(e))
      assert.match(
        (e as TargetError).message,
        /plain\/x\.bin: a part of the path is a file, not a directory/,
      )
      return true
    })
    assert.equal(await readFile(join(root, 'plain'), 'utf8'), 'kept')
  })

  it('keeps a second writer out with a lock held by a live process, and takes over a stale one', async () => {
    const dest = join(root, 'locked.bin')
    const lock = (pid: number) => JSON.stringify({ pid, host: hostname(), startedAt: 'earlier' })
    const dead = Number(
      execFileSync(process.execPath, [
        '-e',
        'process.stdout.write(String(process.pid))',
      ]).toString(),
    )
    await writeFile(dest + LOCK_SUFFIX, lock(dead))
    const target = new FileTarget(dest)
    assert.deepEqual(
      await target.open({ size: 1, resume: false }),
      { resumed: false },
      'stale lock taken over',
    )
    await target.abort({ keep: false })
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    })
    try {
      await writeFile(dest + LOCK_SUFFIX, lock(sleeper.pid as number))
      await assert.rejects(new FileTarget(dest).open({ size: 1, resume: false }), isKind('locked'))
      assert.equal(existsSync(dest + TEMP_SUFFIX), false, 'nothing written while locked out')
    } finally {
      sleeper.kill('SIGKILL')
      await rm(dest + LOCK_SUFFIX, { force: true })
    }
  })

  it('abort without open removes a stale lock with the temp file, and refuses while a live process holds it', async () => {
    const dest = join(root, 'cancelled.bin')
    const lock = (pid: number) => JSON.stringify({ pid, host: hostname(), startedAt: 'earlier' })
    const dead = Number(
      execFileSync(process.execPath, [
        '-e',
        'process.stdout.write(String(process.pid))',
      ]).toString(),
    )
    await writeFile(dest + TEMP_SUFFIX, 'partial')
    await writeFile(dest + LOCK_SUFFIX, lock(dead))
    await new FileTarget(dest).abort({ keep: false })
    assert.equal(existsSync(dest + TEMP_SUFFIX), false, 'temp file removed')
    assert.equal(existsSync(dest + LOCK_SUFFIX), false, 'stale lock removed')
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    })
    try {
      await writeFile(dest + TEMP_SUFFIX, 'partial')
      await writeFile(dest + LOCK_SUFFIX, lock(sleeper.pid as number))
      const target = new FileTarget(dest)
      assert.equal((await target.runningDownload())?.pid, sleeper.pid)
      await assert.rejects(target.abort({ keep: false }), isKind('locked'))
      assert.equal(existsSync(dest + TEMP_SUFFIX), true, 'a live download keeps its temp file')
      assert.equal(existsSync(dest + LOCK_SUFFIX), true, 'and its lock')
    } finally {
      sleeper.kill('SIGKILL')
      await rm(dest + LOCK_SUFFIX, { force: true })
      await rm(dest + TEMP_SUFFIX, { force: true })
    }
  })

  it('handles spaces and non-ASCII characters in paths', async () => {
    const dest = join(root, 'été 下載 file.bin')
    const target = new FileTarget(dest)
    await target.open({ size: 2, resume: false })
    await target.write(0, new Uint8Array([1, 2]))
    await target.commit()
    assert.deepEqual(new Uint8Array(await readFile(dest)), new Uint8Array([1, 2]))
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.startsWith('été')),
      ['été 下載 file.bin'],
    )
  })

  it('reports a full disk as no-space: at open when the object cannot fit, at a write when the disk fills meanwhile (real tmpfs when running as root)', async (t) => {
    await onTinyTmpfs(t, 'tiny', async (mount) => {
      await assert.rejects(
        new FileTarget(join(mount, 'too-big.bin')).open({ size: 1024 * 1024, resume: false }),
        isKind('no-space'),
      )
      const target = new FileTarget(join(mount, 'big.bin'))
      await target.open({ size: 128 * 1024, resume: false })
      // Another writer takes the rest of the disk after the open.
      await writeFile(join(mount, 'filler'), new Uint8Array(256 * 1024)).catch(() => undefined)
      await assert.rejects(
        (async () => {
          for (let at = 0; at < 128 * 1024; at += 64 * 1024)
            await target.write(at, new Uint8Array(64 * 1024).fill(1))
          await target.sync()
        })(),
        isKind('no-space'),
      )
      await target.abort({ keep: false })
    })
  })

  it('a batch object (private temporary file, short synchronous writes) on a full disk: no-space, nothing left behind (real tmpfs when root)', async (t) => {
    await onTinyTmpfs(t, 'tiny-batch', async (mount) => {
      const dest = join(mount, 'object.bin')
      const target = new FileTarget(dest, { privateTempPath: join(mount, 'object.part') })
      await target.open({ size: 512 * 1024, resume: false })
      await assert.rejects(
        (async () => {
          // 64 KiB writes: each a short call, made synchronously while such calls are quick.
          for (let at = 0; at < 512 * 1024; at += 64 * 1024)
            await target.write(at, new Uint8Array(64 * 1024).fill(1))
        })(),
        isKind('no-space'),
      )
      await target.abort({ keep: false })
      assert.deepEqual(await readdir(mount), [])
    })
  })
})

/** Runs `body` on a 256 KiB tmpfs at `<root>/<name>`: a disk that fills up for real (root only). */
function onTinyTmpfs(
  t: TestContext,
  name: string,
  body: (mount: string) => Promise<void>,
): Promise<void> {
  const mount = join(root, name)
  return onTmpfs(t, mount, '256k', 'ENOSPC not exercised for real', () => body(mount))
}

describe("FileTarget: a user's file at the partial file's place", () => {
  it('is refused (exists, no remedies) and kept when nothing vouches for it: no checkpoint found, no lock of ours', async () => {
    const dest = join(root, 'users-part.bin')
    await writeFile(dest + TEMP_SUFFIX, 'my own file')
    await assert.rejects(new FileTarget(dest).open({ size: 4, resume: false }), (error) => {
      assert.ok(error instanceof TargetError)
      assert.equal(error.kind, 'exists')
      assert.deepEqual(error.remedies, [])
      assert.match(
        error.message,
        /users-part\.bin\.resumable-part is where this download keeps its partial file/,
      )
      return true
    })
    assert.equal(await readFile(dest + TEMP_SUFFIX, 'utf8'), 'my own file')
    assert.equal(existsSync(dest + LOCK_SUFFIX), false, 'no lock left')
  })

  it('is replaced as an earlier run’s when a checkpoint of ours is beside it that the engine did not load (no checkpoint store)', async () => {
    const dest = join(root, 'unloaded-part.bin')
    await writeFile(dest + TEMP_SUFFIX, 'a paused run')
    const head =
      '{"format":"resumable-checkpoint","version":1,"crc64":"0000000000000000","body":{}}\n'
    await writeFile(`${dest}.resumable.json`, head)
    const target = new FileTarget(dest)
    assert.deepEqual(await target.open({ size: 4, resume: false }), { resumed: false })
    await target.abort({ keep: false })
    assert.equal(existsSync(dest + TEMP_SUFFIX), false)
  })

  it('is replaced as an earlier run’s when the engine found (and discarded) a checkpoint for it', async () => {
    const dest = join(root, 'discarded-part.bin')
    await writeFile(dest + TEMP_SUFFIX, 'an earlier run')
    const target = new FileTarget(dest)
    assert.deepEqual(await target.open({ size: 4, resume: false, checkpointDiscarded: true }), {
      resumed: false,
    })
    await target.write(0, new TextEncoder().encode('abcd'))
    await target.commit()
    assert.equal(await readFile(dest, 'utf8'), 'abcd')
  })
})
