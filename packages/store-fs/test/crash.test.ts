import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CheckpointCodec, crc64, partRange, type TransferState } from '@resumable/core'

import { runtimeCommand, startMockOss } from '@resumable/testkit/node'

const KILLS = Number(process.env.CRASH_KILLS ?? 20)
// Big enough that every killed run is still mid-download (about 1 MiB/s for under a second each).
const SIZE = Math.max(24, Math.ceil(KILLS * 1.2)) * 1024 * 1024
const CHILD = fileURLToPath(new URL('./fixtures/download-child.ts', import.meta.url))

/** Seeded PRNG so a failing schedule of kills can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

/** Byte ranges a checkpoint says are durable: done parts and partial prefixes. */
function durableRanges(state: TransferState): [number, number][] {
  const ranges: [number, number][] = []
  for (let i = 0; i < state.plan.partCount; i++) {
    const { start, end } = partRange(state.plan, i)
    if (state.isDone(i)) ranges.push([start, end])
    else {
      const p = state.partial(i)
      if (p) ranges.push([start, start + p.written - 1])
    }
  }
  return ranges
}

function run(
  url: string,
  dest: string,
  rate: string,
  killAfterMs?: number,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  const [cmd, args] = runtimeCommand(CHILD, [url, dest, rate])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Uint8Array) => {
    out += new TextDecoder().decode(d)
  })
  const timer =
    killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, out })
    }),
  )
}

describe('crash safety (real processes, SIGKILL)', () => {
  it(`survives ${KILLS} kill -9 at random instants: byte-identical, never partial, only non-durable bytes re-fetched`, async () => {
    const server = await startMockOss()
    const dir = await mkdtemp(join(tmpdir(), 'store-fs-crash-'))
    const dest = join(dir, 'object.bin')
    try {
      const object = server.oss.putObject('bucket', 'object.bin', {
        generated: { size: SIZE, seed: 99 },
      })
      const url = `${server.url}/bucket/object.bin`
      const random = prng(20261124)
      let killed = 0
      for (let i = 0; i < KILLS; i++) {
        const before = server.oss.served.log.length
        const checkpoint = await readFile(`${dest}.resumable.json`).catch(() => undefined)
        const durable = checkpoint
          ? durableRanges(CheckpointCodec.decode(new Uint8Array(checkpoint)).state)
          : []
        const result = await run(url, dest, String(1024 * 1024), 300 + Math.floor(random() * 800))
        if (result.signal === 'SIGKILL') killed++
        // The next run may only ask for bytes that were not yet durable.
        for (const entry of server.oss.served.log.slice(before)) {
          const m = /bytes=(\d+)-(\d+)/.exec(entry.range ?? '')
          if (!m) continue
          const [a, b] = [Number(m[1]), Number(m[2])]
          for (const [s, e] of durable)
            assert.ok(b < s || a > e, `run ${i} re-fetched durable bytes ${a}-${b} ∩ ${s}-${e}`)
        }
        if (existsSync(dest)) {
          assert.equal(
            crc64('crc64xz', new Uint8Array(await readFile(dest))),
            object.crc64,
            'a published file is complete',
          )
          break
        }
      }
      const servedBeforeFinal = server.oss.served.bodyBytes
      if (!existsSync(dest)) {
        const final = await run(url, dest, 'unlimited')
        assert.equal(final.code, 0, `final run failed: ${final.out}`)
        const { resumedBytes, fetchedBytes } = JSON.parse(final.out) as {
          resumedBytes: number
          fetchedBytes: number
        }
        assert.equal(
          fetchedBytes,
          SIZE - resumedBytes,
          'the final run fetched only the missing bytes',
        )
      }
      const bytes = new Uint8Array(await readFile(dest))
      assert.equal(bytes.length, SIZE)
      assert.equal(crc64('crc64xz', bytes), object.crc64)
      assert.equal(existsSync(`${dest}.resumable.json`), false, 'checkpoint removed on success')
      const waste = server.oss.served.bodyBytes - SIZE
      process.stdout.write(
        `crash test: ${killed} SIGKILLs, ${server.oss.served.bodyBytes} bytes served for a ${SIZE}-byte object, waste ${waste} bytes (${((waste / SIZE) * 100).toFixed(1)}%); final run fetched ${server.oss.served.bodyBytes - servedBeforeFinal}\n`,
      )
      assert.equal(killed, KILLS, 'every run before the last was killed mid-download')
    } finally {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
