import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { AheadDigest } from '../src/ahead-digest.ts'
import { localHasher, type ReadAt } from '../src/piece-hasher.ts'

const MiB = 1024 * 1024

/** A file in memory read through the ReadAt AheadDigest is given, counting what is read when. */
function memoryFile(size: number) {
  const bytes = new Uint8Array(size).map((_, i) => (i * 31 + (i >> 12)) & 0xff)
  const log = { readBytes: 0, readBeforeDigest: 0, digestCalled: false }
  const readAt = async (buffer: Uint8Array, length: number, position: number) => {
    const n = Math.max(0, Math.min(length, size - position))
    buffer.set(bytes.subarray(position, position + n))
    log.readBytes += n
    if (!log.digestCalled) log.readBeforeDigest += n
    return n
  }
  return { bytes, log, readAt }
}

/** An AheadDigest hashing on this thread through `readAt`. */
const aheadOf = (
  algorithms: readonly ('md5' | 'sha1' | 'sha256')[],
  readAt: ReadAt,
  present?: readonly { start: number; end: number }[],
) => new AheadDigest(algorithms, () => localHasher(algorithms, readAt), present)

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex')
/** Lets the background hashing, whose reads resolve at once here, run to its end. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

/** Spans of `step` bytes covering [0, size), in a scrambled but fixed order. */
function scrambledSpans(size: number, step: number) {
  const spans: { start: number; end: number }[] = []
  for (let start = 0; start < size; start += step)
    spans.push({ start, end: Math.min(size, start + step) })
  return spans.map((span, i) => ({ span, key: (i * 7919) % 13 })).sort((a, b) => a.key - b.key)
}

async function writeAll(ahead: AheadDigest, spans: readonly { start: number; end: number }[]) {
  for (const { start, end } of spans) {
    ahead.willWrite(start, end)
    await settle()
    ahead.wrote(start, end)
  }
}

describe('AheadDigest', () => {
  it('hashes the bytes as writes land in any order, each byte read once, most of them before digest is asked', async () => {
    const size = 6 * MiB + 123
    const file = memoryFile(size)
    const ahead = aheadOf(['sha256', 'md5'], file.readAt)
    await writeAll(
      ahead,
      scrambledSpans(size, 256 * 1024).map(({ span }) => span),
    )
    await settle()
    file.log.digestCalled = true
    assert.equal(await ahead.digest('sha256', size), sha256(file.bytes))
    assert.equal(await ahead.digest('md5', size), md5(file.bytes))
    assert.equal(file.log.readBytes, size)
    // Hashed in the background as soon as a MiB was in place: at least every whole MiB.
    assert.ok(file.log.readBeforeDigest >= 6 * MiB, `${file.log.readBeforeDigest}`)
  })

  it('hashed() is exactly what digest() will not read again, and 0 whenever digest() would leave the whole file to the caller', async () => {
    const size = 5 * MiB + 300 * 1024
    const file = memoryFile(size)
    const ahead = aheadOf(['sha256', 'md5'], file.readAt)
    assert.equal(ahead.hashed('sha256', size), 0, 'nothing hashed yet')
    await writeAll(ahead, [
      { start: 0, end: 5 * MiB },
      { start: 5 * MiB, end: size }, // less than a piece: left for digest()
    ])
    await settle()
    const hashed = ahead.hashed('sha256', size)
    assert.equal(hashed, file.log.readBytes)
    assert.equal(hashed, 5 * MiB)
    assert.equal(ahead.hashed('sha1', size), 0, 'an algorithm not hashed ahead')
    assert.equal(ahead.hashed('sha256', hashed - 1), 0, 'a length shorter than what is hashed')
    file.log.digestCalled = true
    assert.equal(await ahead.digest('sha256', size), sha256(file.bytes))
    assert.equal(file.log.readBytes - file.log.readBeforeDigest, size - hashed)
    // The second algorithm shares that reading: nothing is left to read for it.
    assert.equal(ahead.hashed('md5', size), size)
    assert.equal(await ahead.digest('md5', size), md5(file.bytes))
    assert.equal(file.log.readBytes, size)

    const twice = aheadOf(['sha256'], memoryFile(size).readAt)
    await writeAll(twice, [{ start: 0, end: 2 * MiB }])
    await settle()
    assert.ok(twice.hashed('sha256', size) > 0)
    await writeAll(twice, [{ start: 10, end: 20 }])
    assert.equal(twice.hashed('sha256', size), 0, 'a byte written twice: read back whole')
  })

  it('spans present from an earlier run count as in place', async () => {
    const size = 4 * MiB
    const file = memoryFile(size)
    const ahead = aheadOf(['sha1'], file.readAt, [
      { start: 0, end: MiB },
      { start: 2 * MiB, end: 3 * MiB },
    ])
    await writeAll(ahead, [
      { start: 3 * MiB, end: 4 * MiB },
      { start: MiB, end: 2 * MiB },
    ])
    await settle()
    file.log.digestCalled = true
    assert.equal(file.log.readBeforeDigest, size)
    assert.equal(
      await ahead.digest('sha1', size),
      createHash('sha1').update(file.bytes).digest('hex'),
    )
  })

  it('a file shorter than a piece is not hashed ahead: digest is undefined and nothing was read, the caller reads it back', async () => {
    const file = memoryFile(MiB - 1)
    const ahead = aheadOf(['sha256'], file.readAt)
    await writeAll(ahead, [{ start: 0, end: MiB - 1 }])
    await settle()
    assert.equal(await ahead.digest('sha256', MiB - 1), undefined)
    assert.equal(file.log.readBytes, 0)
  })

  it('a byte written twice, hashed or not yet, makes digest undefined so the caller reads the file back', async () => {
    const size = 3 * MiB
    for (const again of [
      { start: 10, end: 20 }, // inside the hashed prefix
      { start: 2 * MiB + 5, end: 2 * MiB + 6 }, // in place, not hashed yet
    ]) {
      const file = memoryFile(size)
      const ahead = aheadOf(['sha256'], file.readAt)
      await writeAll(ahead, [
        { start: 0, end: MiB },
        { start: MiB, end: 2 * MiB },
        { start: 2 * MiB + 1, end: size },
      ])
      ahead.willWrite(again.start, again.end)
      ahead.wrote(again.start, again.end)
      ahead.willWrite(2 * MiB, 2 * MiB + 1)
      ahead.wrote(2 * MiB, 2 * MiB + 1)
      assert.equal(await ahead.digest('sha256', size), undefined, JSON.stringify(again))
    }
  })

  it('two writes in flight over the same bytes, or a failed write, make digest undefined', async () => {
    const file = memoryFile(2 * MiB)
    const racing = aheadOf(['sha256'], file.readAt)
    racing.willWrite(0, MiB)
    racing.willWrite(MiB - 1, 2 * MiB)
    racing.wrote(0, MiB)
    racing.wrote(MiB - 1, 2 * MiB)
    assert.equal(await racing.digest('sha256', 2 * MiB), undefined)

    const failing = aheadOf(['sha256'], file.readAt)
    failing.willWrite(0, MiB)
    failing.wrote(0, MiB, false)
    failing.willWrite(MiB, 2 * MiB)
    failing.wrote(MiB, 2 * MiB)
    assert.equal(await failing.digest('sha256', 2 * MiB), undefined)
  })

  it('a write into bytes whose read has begun makes digest undefined', async () => {
    const size = 2 * MiB
    const file = memoryFile(size)
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const ahead = aheadOf(['sha256'], async (buffer, length, position) => {
      await gate
      return file.readAt(buffer, length, position)
    })
    ahead.willWrite(0, size)
    ahead.wrote(0, size)
    // The first piece's read has started and waits on the gate.
    ahead.willWrite(100, 200)
    release()
    ahead.wrote(100, 200)
    assert.equal(await ahead.digest('sha256', size), undefined)
  })

  it('an algorithm not asked for, a shorter length than hashed, or another length after the first: undefined', async () => {
    const size = 3 * MiB
    const file = memoryFile(size)
    const ahead = aheadOf(['md5'], file.readAt)
    await writeAll(ahead, [{ start: 0, end: size }])
    await settle()
    assert.equal(await ahead.digest('sha256', size), undefined)
    assert.equal(await ahead.digest('md5', MiB), undefined)
    assert.equal(await ahead.digest('md5', size), md5(file.bytes))
    assert.equal(await ahead.digest('md5', size - 1), undefined)
  })

  it('an aborted signal stops digest even when everything is hashed; a failed read leaves it to the caller', async () => {
    const size = 2 * MiB
    const file = memoryFile(size)
    const ahead = aheadOf(['sha256'], file.readAt)
    await writeAll(ahead, [{ start: 0, end: size }])
    await settle()
    const controller = new AbortController()
    controller.abort()
    await assert.rejects(ahead.digest('sha256', size, controller.signal), { name: 'AbortError' })
    assert.equal(await ahead.digest('sha256', size), sha256(file.bytes))

    const broken = aheadOf(['sha256'], async () => {
      throw new Error('EIO')
    })
    broken.willWrite(0, size)
    broken.wrote(0, size)
    assert.equal(await broken.digest('sha256', size), undefined)
  })

  it('two digests asked at once share one reading of the rest, and both are right', async () => {
    const size = 3 * MiB + 500_000
    const file = memoryFile(size)
    const ahead = aheadOf(['sha256', 'md5'], file.readAt)
    await writeAll(ahead, [{ start: 0, end: 3 * MiB }])
    await settle()
    await writeAll(ahead, [{ start: 3 * MiB, end: size }])
    const [sha, md] = await Promise.all([ahead.digest('sha256', size), ahead.digest('md5', size)])
    assert.equal(sha, sha256(file.bytes))
    assert.equal(md, md5(file.bytes))
    assert.equal(file.log.readBytes, size)
  })

  it('a write once digest was asked, even over hashed bytes, makes every later digest undefined', async () => {
    const size = 2 * MiB
    const file = memoryFile(size)
    const ahead = aheadOf(['sha256'], file.readAt)
    await writeAll(ahead, [{ start: 0, end: size }])
    assert.equal(await ahead.digest('sha256', size), sha256(file.bytes))
    ahead.willWrite(0, 10)
    ahead.wrote(0, 10)
    assert.equal(await ahead.digest('sha256', size), undefined)
  })

  it('a pause while a backlog is hashed in the background is noticed within one step', async () => {
    const size = 400 * MiB
    let steps = 0
    // 20 ms per step: a slow disk, or one digest thread shared by a batch's objects.
    const slow = () => ({
      hash: async () => {
        steps++
        await new Promise((resolve) => setTimeout(resolve, 20))
      },
      finish: async () => new Map(),
      close: async () => undefined,
    })
    const ahead = new AheadDigest(['sha256'], slow)
    ahead.willWrite(0, size)
    ahead.wrote(0, size)
    const pause = new AbortController()
    const asked = ahead.digest('sha256', size, pause.signal)
    pause.abort()
    await assert.rejects(asked, { name: 'AbortError' })
    await ahead.stop()
    // The step in flight when the pause came, at most one more: not the 50 steps behind.
    assert.ok(steps <= 2, `${steps} steps hashed after the pause`)
  })
})
