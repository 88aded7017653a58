import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { BatchJournalCodec, crc64 } from '@resumable/core'
import { BATCH_JOURNAL_NAME } from '@resumable/store-fs'
import { runtimeCommand, startMockOss } from '@resumable/testkit/node'
import { BATCH_PREFIX, batchObjects } from './fixtures/batch-objects.ts'

const KILLS = Number(process.env.BATCH_CRASH_KILLS ?? 8)
const CHILD = fileURLToPath(new URL('./fixtures/batch-child.ts', import.meta.url))

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

/** Runs the child; with `killAfter`, SIGKILLs it once the mock has answered that many more requests. */
function run(
  base: string,
  dest: string,
  served?: { readonly requests: number },
  killAfter?: number,
) {
  const [cmd, args] = runtimeCommand(CHILD, [base, dest])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Uint8Array) => {
    out += new TextDecoder().decode(d)
  })
  // Killing after a number of requests, not a time, lands mid-batch however slow the runtime starts.
  const start = served?.requests ?? 0
  const timer =
    served === undefined || killAfter === undefined
      ? undefined
      : setInterval(() => {
          if (served.requests - start >= killAfter) child.kill('SIGKILL')
        }, 2)
  return new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('exit', (code, signal) => {
      clearInterval(timer)
      resolve({ code, signal, out })
    }),
  )
}

/** Keys the journal on disk records done (what a rerun must never request again). */
async function journaledDone(dest: string): Promise<Set<string>> {
  const bytes = await readFile(join(dest, BATCH_JOURNAL_NAME)).catch(() => undefined)
  if (!bytes) return new Set()
  const decoded = BatchJournalCodec.decode(new Uint8Array(bytes))
  assert.ok(decoded.ok, 'the journal survives kill -9 readable')
  return new Set(decoded.records.filter((r) => r.type === 'done').map((r) => r.key))
}

/** Files the engine works with beside a final name: temp data, checkpoint, lock, and save temporaries. */
function isWorkFile(name: string): boolean {
  return /\.resumable(-part|\.json|\.lock)$/.test(name) || /(^|\/)\.[^/]*\.tmp$/.test(name)
}

/** Every file under `dir`, relative, with `/` separators. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
}

describe('batch crash safety (real processes, SIGKILL)', () => {
  it(`a batch killed ${KILLS} times never requests a journaled object again and never leaves a partial file at a final name`, async () => {
    const server = await startMockOss({ bytesPerSecondPerConnection: 4 * 1024 * 1024 })
    const dest = await mkdtemp(join(tmpdir(), 'store-fs-batch-crash-'))
    const objects = batchObjects()
    const crcs = new Map<string, bigint | undefined>()
    try {
      for (const o of objects) {
        const stored = server.oss.putObject('bucket', o.key, {
          generated: { size: o.size, seed: o.seed },
        })
        crcs.set(o.key.slice(BATCH_PREFIX.length), stored.crc64)
      }
      const random = prng(20261202)
      let killed = 0
      let everDone = 0
      // A run the kills missed finishes the batch (and removes its journal): it is the final run.
      let finished:
        | { result: Awaited<ReturnType<typeof run>>; done: Set<string>; before: number }
        | undefined
      for (let i = 0; i < KILLS; i++) {
        const done = await journaledDone(dest)
        everDone = Math.max(everDone, done.size)
        const before = server.oss.served.log.length
        const result = await run(
          server.url,
          dest,
          server.oss.served,
          20 + Math.floor(random() * 150),
        )
        if (result.signal === 'SIGKILL') killed++
        for (const entry of server.oss.served.log.slice(before)) {
          assert.ok(
            !done.has(entry.key),
            `run ${i} requested ${entry.key}, which the journal had as done`,
          )
        }
        for (const name of await files(dest)) {
          if (name === BATCH_JOURNAL_NAME || isWorkFile(name)) continue
          const bytes = new Uint8Array(await readFile(join(dest, name)))
          assert.equal(
            crc64('crc64xz', bytes),
            crcs.get(name),
            `${name} at its final name is complete`,
          )
        }
        if (result.code === 0) {
          finished = { result, done, before }
          break
        }
      }
      const done = finished?.done ?? (await journaledDone(dest))
      const before = finished?.before ?? server.oss.served.log.length
      const final = finished?.result ?? (await run(server.url, dest))
      assert.equal(final.code, 0, final.out)
      const summary = JSON.parse(final.out) as {
        ok: boolean
        downloaded: number
        skipped: { done?: number }
      }
      assert.equal(summary.ok, true, final.out)
      assert.equal(summary.downloaded + (summary.skipped.done ?? 0), objects.length)
      for (const entry of server.oss.served.log.slice(before))
        assert.ok(
          !done.has(entry.key),
          `the final run requested ${entry.key}, which the journal had as done`,
        )
      const all = await files(dest)
      // A kill during an atomic save leaves its unique temporary file (never renamed): harmless, counted.
      const strayTemps = all.filter((name) => /(^|\/)\.[^/]*\.tmp$/.test(name))
      const left = all.filter((name) => !strayTemps.includes(name))
      assert.deepEqual(
        left.sort(),
        [...crcs.keys()].sort(),
        'exactly the objects: no temp, lock, checkpoint or journal',
      )
      for (const name of left)
        assert.equal(
          crc64('crc64xz', new Uint8Array(await readFile(join(dest, name)))),
          crcs.get(name),
          name,
        )
      assert.equal(existsSync(join(dest, BATCH_JOURNAL_NAME)), false, 'journal removed on success')
      process.stdout.write(
        `batch crash test: ${killed} SIGKILLs, up to ${everDone}/${objects.length} objects journaled before the final run, final run downloaded ${summary.downloaded} and skipped ${summary.skipped.done ?? 0}; ${server.oss.served.requests} requests in all; ${strayTemps.length} stray temporary files of killed saves\n`,
      )
      assert.ok(killed >= 2, `at least two runs were killed mid-batch (${killed})`)
    } finally {
      await server.close()
      await rm(dest, { recursive: true, force: true })
    }
  })
})
