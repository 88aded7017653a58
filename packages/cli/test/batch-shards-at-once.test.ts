import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { shardOf } from '@resumable/core'
import type { MockOss } from '@resumable/testkit'
import { type MockOssServer, runtimeCommand } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { MOCK_ENV, signedEnv, startSignedMock, stopSignedMock, tree } from './helpers.ts'

// Two shards of one split as two real `get` processes into one directory at the same time, as
// the pods of a Kubernetes Indexed Job on one shared volume run them.
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const encoder = new TextEncoder()
let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-shards-'))
})
after(() => stopSignedMock({ server, dir }))

interface Run {
  readonly code: number | null
  readonly output: string
}

function start(args: readonly string[]): { child: ChildProcess; done: Promise<Run> } {
  const [cmd, argv] = runtimeCommand(BIN, args)
  const child = spawn(cmd, argv, { stdio: 'pipe', env: { ...process.env, ...MOCK_ENV } })
  let output = ''
  const take = (d: Uint8Array) => {
    output += new TextDecoder().decode(d)
  }
  child.stdout?.on('data', take)
  child.stderr?.on('data', take)
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, output })))
  return { child, done }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const get = (dest: string, ...extra: string[]) => [
  'get',
  's3://shared/set/',
  dest,
  '--recursive',
  '--endpoint',
  server.url,
  ...extra,
]

describe('shards of one split running into one directory at the same time', () => {
  it('both finish byte-identical with a journal each; a whole batch or another split is refused meanwhile; a whole rerun then fetches nothing; cancel removes every journal', async () => {
    // Keys in shared sub-directories, so both shards make and fill the same directories.
    const keys = Array.from({ length: 24 }, (_, i) => `set/d${i % 3}/o${i}.bin`)
    const body = (key: string) => encoder.encode(`${key} `.repeat(800))
    for (const key of keys) oss.putObject('shared', key, { bytes: body(key) })
    const mine = (index: number) => keys.filter((key) => shardOf(key, 2) === index)
    assert.ok(mine(0).length > 2 && mine(1).length > 2, 'both shards have objects')
    const dest = join(dir, 'data')
    // ~10 KiB an object at 16 KiB/s: each shard runs for seconds, long enough to overlap.
    const slow = ['--limit-rate', '16KiB/s', '--concurrency', '2']
    const shards = [0, 1].map((i) => start(get(dest, '--shard', `${i}/2`, ...slow)))
    try {
      const own = (i: number) => [
        `.resumable-batch.shard-${i}-of-2.lock`,
        `.resumable-batch.shard-${i}-of-2.journal`,
      ]
      await until('both shards to hold their locks and journals at once', async () => {
        const names = await readdir(dest).catch(() => [] as string[])
        return [...own(0), ...own(1)].every((name) => names.includes(name))
      })
      // Meanwhile: a whole batch, or a shard of another split (its keys overlap), is refused.
      for (const extra of [[], ['--shard', '0/3']]) {
        const other = signedEnv()
        assert.equal(await main(get(dest, ...extra), other.cli), 75, other.text())
        assert.match(other.text(), /shard \d\/2 of s3:\/\/shared\/set\/ → .*data, pid \d+/)
        assert.match(
          other.text(),
          /only shards of one split \(the same source, --shard i\/N with the same N\)/,
        )
      }
      const status = signedEnv()
      assert.equal(await main(['status', dest, '--json'], status.cli), 0, status.text())
      const state = JSON.parse(status.out.join(''))
      assert.equal(state.state, 'running')
      assert.deepEqual(
        state.running
          .filter((r: { shard?: unknown }) => r.shard)
          .map((r: { shard: { index: number } }) => r.shard.index)
          .sort(),
        [0, 1],
      )
      assert.equal(await main(['cancel', dest], signedEnv().cli), 75, 'cancel refuses')
      // The refused batches left no journal, lock or staging directory of their own.
      const names = await readdir(dest)
      assert.ok(!names.includes('.resumable-batch.journal'), 'no whole-batch journal')
      assert.ok(!names.includes('.resumable-batch.lock'), 'no whole-batch lock')
      assert.ok(!names.some((n) => n.includes('of-3')), 'nothing of the other split')
    } finally {
      const runs = await Promise.all(shards.map((s) => s.done))
      for (const run of runs) assert.equal(run.code, 0, run.output)
    }
    const files = (await tree(dest)).filter((name) => !name.startsWith('.resumable-batch.'))
    assert.deepEqual(files, keys.map((key) => key.slice('set/'.length)).sort())
    for (const key of keys)
      assert.deepEqual(
        new Uint8Array(await readFile(join(dest, key.slice('set/'.length)))),
        body(key),
        key,
      )
    assert.deepEqual(
      (await readdir(dest)).filter((n) => n.startsWith('.resumable-batch.')).sort(),
      ['.resumable-batch.shard-0-of-2.journal', '.resumable-batch.shard-1-of-2.journal'],
      'no lock, staging directory or directory record left',
    )

    // The whole batch afterwards takes every shard's finished objects as done: no GET.
    const gets = () => oss.served.log.filter((r) => r.key !== '').length
    const fetched = gets()
    const whole = signedEnv()
    assert.equal(await main(get(dest), whole.cli), 0, whole.text())
    assert.match(whole.text(), new RegExp(`0 downloaded, ${keys.length} skipped`))
    assert.equal(gets(), fetched, 'no object requested again')

    const cancel = signedEnv()
    assert.equal(await main(['cancel', dest, '--json'], cancel.cli), 0, cancel.text())
    assert.deepEqual(JSON.parse(cancel.out.join('')).removed.sort(), [
      '.resumable-batch.journal',
      '.resumable-batch.shard-0-of-2.journal',
      '.resumable-batch.shard-1-of-2.journal',
    ])
    assert.deepEqual(await tree(dest), files, 'completed files kept, nothing else left')
  })
})
