import assert from 'node:assert/strict'
import { Md5, type Target } from '@resumable/core'
import type { ContractCase } from './contract-case.ts'
import { hex } from './hashes.ts'

/** A Target under test plus what the contract needs to observe it. */
export interface TargetUnderTest {
  /** A new Target instance for the destination (call again to simulate a new process). */
  readonly make: () => Target
  /** The published bytes, or undefined when nothing was published. */
  readonly committed: () => Promise<Uint8Array | undefined>
  /** Power loss: drop every write not made durable by `sync` (omit when the target cannot simulate it). */
  readonly crash?: () => void
}

/** The cases every Target must pass. `setup` gives a fresh destination per case. */
export function targetContract(
  setup: () => TargetUnderTest | Promise<TargetUnderTest>,
): ContractCase[] {
  const bytes = (n: number, seed: number): Uint8Array =>
    new Uint8Array(n).map((_, i) => (i * seed + 3) & 0xff)
  return [
    {
      name: 'out-of-order positional writes are published whole by commit, and not before',
      async run() {
        const t = await setup()
        const target = t.make()
        const data = bytes(10_000, 7)
        await target.open({ size: data.length, resume: false })
        await target.write(5000, data.subarray(5000))
        await target.write(0, data.subarray(0, 5000))
        assert.equal(await t.committed(), undefined)
        await target.sync()
        await target.commit()
        assert.deepEqual(await t.committed(), data)
      },
    },
    {
      name: 'read returns what was written',
      async run() {
        const t = await setup()
        const target = t.make()
        await target.open({ size: 100, resume: false })
        await target.write(10, bytes(20, 3))
        assert.deepEqual(await target.read(10, 20), bytes(20, 3))
        await target.abort({ keep: false })
      },
    },
    {
      name: 'digest, when the target has it, is each algorithm’s digest (lower-case hex) of the first bytes written',
      async run() {
        const t = await setup()
        const target = t.make()
        if (!target.digest) return
        const data = bytes(300_001, 13)
        await target.open({ size: data.length, resume: false })
        await target.write(150_000, data.subarray(150_000))
        await target.write(0, data.subarray(0, 150_000))
        for (const [algorithm, name] of [
          ['sha1', 'SHA-1'],
          ['sha256', 'SHA-256'],
          ['sha512', 'SHA-512'],
        ] as const) {
          // Copies, so that Web Crypto is given plain ArrayBuffers.
          const first = new Uint8Array(data.subarray(0, 100_000))
          const whole = new Uint8Array(data)
          assert.equal(
            await target.digest(algorithm, 100_000),
            hex(new Uint8Array(await crypto.subtle.digest(name, first))),
          )
          assert.equal(
            await target.digest(algorithm, data.length),
            hex(new Uint8Array(await crypto.subtle.digest(name, whole))),
          )
        }
        assert.equal(await target.digest('md5', data.length), new Md5().update(data).hex())
        await target.abort({ keep: false })
      },
    },
    {
      name: 'hashAhead, when the target has it, changes no digest: bytes written out of order, some of them twice, and spans present from an earlier run',
      async run() {
        const t = await setup()
        const first = t.make()
        if (!first.hashAhead || !first.digest) return
        // Past a MiB or two, so that a Target hashing in pieces hashes some before `digest`.
        const data = bytes(3 * 1024 * 1024 + 17, 29)
        const expected = async (name: 'SHA-256' | 'SHA-1') =>
          hex(new Uint8Array(await crypto.subtle.digest(name, new Uint8Array(data))))
        await first.open({ size: data.length, resume: false })
        first.hashAhead(['sha256', 'md5'])
        const step = 256 * 1024
        const starts: number[] = []
        for (let at = 0; at < data.length; at += step) starts.push(at)
        for (const at of starts.reverse().filter((_, i) => i % 2 === 0))
          await first.write(at, data.subarray(at, at + step))
        for (const at of starts.filter((_, i) => i % 2 === 1))
          await first.write(at, data.subarray(at, at + step))
        // A part fetched again, once a Target hashing in the background has had time to hash
        // its first bytes: the digest is of the bytes written last.
        await new Promise((resolve) => setTimeout(resolve, 50))
        data.set(bytes(1000, 3), step)
        await first.write(step, data.subarray(step, step + 1000))
        assert.equal(await first.digest('sha256', data.length), await expected('SHA-256'))
        assert.equal(await first.digest('md5', data.length), new Md5().update(data).hex())
        await first.sync()
        await first.abort({ keep: true })

        // A resume: the first half is present, the second written again by the new run.
        const second = t.make()
        const reopened = await second.open({ size: data.length, resume: true })
        if (!reopened.resumed || !second.hashAhead || !second.digest) return
        const half = 1536 * 1024
        second.hashAhead(['sha1'], { present: [{ start: 0, end: half }] })
        await second.write(half, data.subarray(half))
        assert.equal(await second.digest('sha1', data.length), await expected('SHA-1'))
        await second.abort({ keep: false })
      },
    },
    {
      name: 'md5, when the target has it, is the MD5 of the first bytes written, however they arrived',
      async run() {
        const t = await setup()
        const target = t.make()
        if (!target.md5) return
        const data = bytes(300_001, 11)
        await target.open({ size: data.length, resume: false })
        await target.write(200_000, data.subarray(200_000))
        await target.write(0, data.subarray(0, 200_000))
        assert.equal(await target.md5(data.length), new Md5().update(data).hex())
        assert.equal(await target.md5(64), new Md5().update(data.subarray(0, 64)).hex())
        await target.abort({ keep: false })
      },
    },
    {
      name: 'synced bytes survive abort({ keep: true }) and a reopen with resume',
      async run() {
        const t = await setup()
        const first = t.make()
        await first.open({ size: 64, resume: false })
        await first.write(0, bytes(32, 5))
        await first.sync()
        await first.abort({ keep: true })
        const second = t.make()
        const reopened = await second.open({ size: 64, resume: true })
        assert.equal(reopened.resumed, true)
        // A Target that can tell its length holds at least every synced byte, never more than the object.
        if (reopened.length !== undefined)
          assert.ok(reopened.length >= 32 && reopened.length <= 64, `length ${reopened.length}`)
        assert.deepEqual(await second.read(0, 32), bytes(32, 5))
        await second.write(32, bytes(32, 9))
        await second.commit()
        const all = await t.committed()
        assert.deepEqual(all?.subarray(32), bytes(32, 9))
      },
    },
    {
      name: 'after abort({ keep: false }) there is nothing to resume and nothing published',
      async run() {
        const t = await setup()
        const first = t.make()
        await first.open({ size: 8, resume: false })
        await first.write(0, bytes(8, 1))
        await first.sync()
        await first.abort({ keep: false })
        const second = t.make()
        assert.deepEqual(await second.open({ size: 8, resume: true }), { resumed: false })
        await second.abort({ keep: false })
        assert.equal(await t.committed(), undefined)
      },
    },
    {
      name: 'an empty object commits as an empty destination',
      async run() {
        const t = await setup()
        const target = t.make()
        await target.open({ size: 0, resume: false })
        await target.commit()
        assert.deepEqual(await t.committed(), new Uint8Array(0))
      },
    },
  ]
}
