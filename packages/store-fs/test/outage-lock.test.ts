import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { download, TransportError } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'
import { runtimeCommand } from '@resumable/testkit/node'

const CHILD = fileURLToPath(new URL('./fixtures/lock-taker-child.ts', import.meta.url))

/** Runs the lock-taking child on `dest`; resolves with what it printed. */
function otherProcess(dest: string): Promise<string> {
  const [cmd, args] = runtimeCommand(CHILD, [dest])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Uint8Array) => {
    out += new TextDecoder().decode(d)
  })
  return new Promise((resolve) => child.on('exit', () => resolve(out)))
}

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-outage-lock-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('a download waiting for a store that stopped answering', () => {
  it('keeps the destination locked through the wait: another process is refused (locked), and the download resumes what it had', async () => {
    const object = makeObject(1024 * 1024, 3)
    const transport = new FakeTransport(object)
    transport.chunkDelayMs = 2
    const dest = join(root, 'object.bin')
    const refused = new TransportError('network', 'connect ECONNREFUSED 127.0.0.1:9')
    const goDown = (): void => {
      transport.statError = refused
      transport.fault = () => ({ type: 'error', error: refused })
    }
    transport.fault = ({ n }) => {
      if (n === 4) goDown()
      return undefined
    }
    let during: unknown
    const starts: number[] = []
    const result = await download({
      transport,
      target: new FileTarget(dest),
      checkpoint: new FileCheckpointStore(),
      partSize: 128 * 1024,
      concurrency: 2,
      retries: 1,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 2,
      onEvent: (event) => {
        if (event.type === 'start') starts.push(event.resumedBytes)
        if (event.type !== 'store-unreachable') return
        // What `resumable cancel` or a second `get` does, from another process.
        void otherProcess(dest).then((outcome) => {
          during = outcome
          transport.statError = undefined
          transport.fault = undefined
        })
      },
    })
    assert.equal(during, 'locked')
    // The attempt after the wait continues from this run's checkpoint (its `start` says so); the
    // result's resumedBytes counts only an earlier run's.
    assert.ok((starts.at(-1) ?? 0) > 0, `the last attempt started at ${String(starts.at(-1))}`)
    assert.ok(starts.length >= 2, `${starts.length} attempts`)
    assert.ok(result.fetchedBytes < 2 * object.bytes.length, `fetched ${result.fetchedBytes}`)
    assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
  })
})
