import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CheckpointStore, type Target, TargetError } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import type { FilePlaces } from '../src/cli-environment.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

// A full disk, simulated as the engine tests do (a TargetError 'no-space'), worded as store-fs
// words it (fs-errors.ts), since the CLI runs the real file Target and checkpoint store around it.
let server: MockOssServer
let dir = ''
const SIZE = 3 * 1024 * 1024

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'big.bin', { generated: { size: SIZE, seed: 3 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-full-disk-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/big.bin`

function diskFull(action: string, path: string): TargetError {
  return new TargetError(
    'no-space',
    `Could not ${action} ${path}: the disk is full (or over quota); free space and run again to resume`,
    { path },
  )
}

/** The file Target, but every write finds the disk full. */
function fullTarget(target: Target & { readonly tempPath: string }): Target {
  return { ...bound(target), write: () => Promise.reject(diskFull('write to', target.tempPath)) }
}

/** The file Target's methods, bound, to override one of them. */
function bound(target: Target): Target {
  return {
    id: target.id,
    open: target.open.bind(target),
    read: target.read.bind(target),
    sync: target.sync.bind(target),
    commit: target.commit.bind(target),
    abort: target.abort.bind(target),
    write: target.write.bind(target),
  }
}

/** The file checkpoint store, but saves after the first `good` find the disk full. */
function fullStore(store: CheckpointStore, path: string, good: number): CheckpointStore {
  let saves = 0
  return {
    load: (key) => store.load(key),
    remove: (key) => store.remove(key),
    save: (key, data) =>
      ++saves > good
        ? Promise.reject(diskFull('save the checkpoint', path))
        : store.save(key, data),
  }
}

/** A real run whose destination files are opened by `wrap`. */
function environment(wrap: (places: FilePlaces & { target: Target }) => FilePlaces) {
  return fakeEnvironment({
    files: async (destination, checkpoint, overwrite) =>
      wrap(await filePlaces(destination, checkpoint, overwrite)),
  })
}

interface ErrorEvent {
  readonly type: string
  readonly exitCode: number
  readonly kind: string
  readonly message: string
}

function lastEvent(out: readonly string[]): ErrorEvent {
  const lines = out.join('').trim().split('\n')
  return JSON.parse(lines.at(-1) as string) as ErrorEvent
}

describe('a full disk', () => {
  it('before the first checkpoint: nothing is kept, and the error says so instead of promising a resume (exit 1)', async () => {
    const dest = join(dir, 'early.bin')
    const { cli, out } = environment((places) => ({
      ...places,
      target: fullTarget(places.target as Target & { tempPath: string }),
    }))
    assert.equal(await main(['get', url(), dest, '--json'], cli), 1)
    const event = lastEvent(out)
    assert.equal(event.type, 'error')
    assert.equal(event.kind, 'no-space')
    assert.equal(event.exitCode, 1)
    assert.doesNotMatch(event.message, /resume/)
    assert.match(event.message, /disk is full/)
    assert.match(event.message, /nothing is kept/)
    assert.match(event.message, /starts over/)
    assert.equal(existsSync(`${dest}.resumable-part`), false)
    assert.equal(existsSync(`${dest}.resumable.json`), false)
  })

  it('refused before the first write for want of space: the refusal is printed as given, sizes named, not reworded as a full disk', async () => {
    const dest = join(dir, 'refused.bin')
    const refusal = new TargetError(
      'no-space',
      `Not enough free space for ${dest}: 3.00 MiB more are needed and the file system has 1.00 MiB free; free space (or choose another destination) and run again`,
      { path: dest, space: { needed: SIZE, free: 1024 * 1024 } },
    )
    const { cli, out } = environment((places) => ({
      ...places,
      target: { ...bound(places.target), open: () => Promise.reject(refusal) },
    }))
    assert.equal(await main(['get', url(), dest, '--json'], cli), 1)
    const event = lastEvent(out)
    assert.equal(event.kind, 'no-space')
    assert.equal(event.message, refusal.message)
    assert.doesNotMatch(event.message, /disk is full|removed/)
  })

  it('with --no-checkpoint: says that nothing is kept, naming the flag', async () => {
    const dest = join(dir, 'no-checkpoint.bin')
    const { cli, err } = environment((places) => ({
      ...places,
      target: fullTarget(places.target as Target & { tempPath: string }),
    }))
    assert.equal(await main(['get', url(), dest, '--no-checkpoint'], cli), 1)
    const text = err.join('')
    assert.doesNotMatch(text, /to resume/)
    assert.match(text, /error: .*disk is full.*--no-checkpoint.*nothing is kept/)
    assert.equal(existsSync(`${dest}.resumable-part`), false)
  })

  it('when a later checkpoint cannot be saved: the reason is said once, and the saved progress is kept to resume', async () => {
    const dest = join(dir, 'late.bin')
    const checkpointPath = `${dest}.resumable.json`
    const { cli, out } = environment((places) => ({
      ...places,
      checkpoint: fullStore(places.checkpoint, checkpointPath, 1),
    }))
    const args = ['get', url(), dest, '--json', '--part-size', '128KiB', '--limit-rate', '1MiB/s']
    assert.equal(await main(args, cli), 1)
    const event = lastEvent(out)
    assert.equal(event.type, 'error')
    assert.equal(event.kind, 'checkpoint')
    assert.equal(event.message.match(/save the checkpoint/gi)?.length, 1, event.message)
    assert.equal(event.message.match(/disk is full/g)?.length, 1, event.message)
    assert.ok(event.message.includes(`${checkpointPath}: `), event.message)
    assert.ok(existsSync(checkpointPath), 'the last checkpoint stands')
    assert.ok(existsSync(`${dest}.resumable-part`), 'so does the partial file')
  })

  it('when even the first checkpoint cannot be saved: said once, and nothing is kept', async () => {
    const dest = join(dir, 'first-save.bin')
    const { cli, err } = environment((places) => ({
      ...places,
      checkpoint: fullStore(places.checkpoint, `${dest}.resumable.json`, 0),
    }))
    const args = ['get', url(), dest, '--part-size', '128KiB', '--limit-rate', '1MiB/s']
    assert.equal(await main(args, cli), 1)
    const text = err.join('')
    assert.doesNotMatch(text, /to resume/)
    assert.equal(text.match(/disk is full/g)?.length, 1, text)
    assert.match(text, /nothing is kept/)
    assert.equal(existsSync(`${dest}.resumable-part`), false)
    assert.equal(existsSync(`${dest}.resumable.json`), false)
  })
})
