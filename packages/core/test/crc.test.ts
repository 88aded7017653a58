import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OptionsError } from '@resumable/core'
import { crc64Js } from '../src/crc/crc64-js.ts'
import { wasmCrc64 } from '../src/crc/crc64-wasm.ts'
import {
  type ChecksumAlgorithm,
  crc,
  crc64,
  crc64Combine,
  crcCombine,
  crcOnRegister,
  crcWidth,
  formatCrc64Hex,
  formatCrcHex,
} from '../src/crc/index.ts'

const ALGORITHMS = ['crc64xz', 'crc64nvme', 'crc32', 'crc32c'] as const
const CHECK = new TextEncoder().encode('123456789')
// The catalogue's check values: the CRC of the nine ASCII digits.
const CHECK_VALUES: Record<ChecksumAlgorithm, bigint> = {
  crc64xz: 0x995dc9bbdf1939fan,
  crc64nvme: 0xae8b14860a799888n,
  crc32: 0xcbf43926n,
  crc32c: 0xe3069283n,
}
const REFLECTED_POLYNOMIALS: Record<ChecksumAlgorithm, bigint> = {
  crc64xz: 0xc96c5795d7870f42n,
  crc64nvme: 0x9a6c9329ac4bc9b5n,
  crc32: 0xedb88320n,
  crc32c: 0x82f63b78n,
}
const TiB = 1024 ** 4

/** All ones in the CRC's width. */
function ones(algorithm: ChecksumAlgorithm): bigint {
  return (1n << BigInt(crcWidth(algorithm))) - 1n
}

/** Bit-at-a-time reference, straight from the definition, to test the sliced tables against. */
function reference(algorithm: ChecksumAlgorithm, data: Uint8Array): bigint {
  const poly = REFLECTED_POLYNOMIALS[algorithm]
  let value = ones(algorithm)
  for (const byte of data) {
    value ^= BigInt(byte)
    for (let k = 0; k < 8; k++) value = value & 1n ? (value >> 1n) ^ poly : value >> 1n
  }
  return value ^ ones(algorithm)
}

/** Deterministic pseudo-random numbers (xorshift32), so failures reproduce. */
function prng(seed: number): () => number {
  let x = seed | 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
}

function randomBytes(n: number, seed: number): Uint8Array {
  const next = prng(seed)
  return Uint8Array.from({ length: n }, () => next() & 0xff)
}

type Path = (data: Uint8Array, previous?: bigint) => bigint

/** The WebAssembly path; every runtime this package is tested on has WebAssembly. */
function wasmPath(algorithm: ChecksumAlgorithm): Path {
  const update = wasmCrc64(algorithm)
  assert.ok(update, 'WebAssembly CRC should instantiate on Node, Deno and Bun')
  return (data, previous = 0n) => crcOnRegister(update, algorithm, data, previous)
}

/** The JavaScript path, taken where WebAssembly is missing. */
function jsPath(algorithm: ChecksumAlgorithm): Path {
  const update = (data: Uint8Array, from: bigint) => crc64Js(algorithm, data, from)
  return (data, previous = 0n) => crcOnRegister(update, algorithm, data, previous)
}

describe('crc', () => {
  for (const algorithm of ALGORITHMS) {
    const check = CHECK_VALUES[algorithm]
    const js = jsPath(algorithm)
    const mask = ones(algorithm)

    it(`${algorithm}: matches the check value on every path`, () => {
      assert.equal(crc(algorithm, CHECK), check)
      assert.equal(js(CHECK), check)
      assert.equal(wasmPath(algorithm)(CHECK), check)
      assert.equal(reference(algorithm, CHECK), check)
    })

    it(`${algorithm}: is 0 for empty input and leaves a CRC unchanged on empty data`, () => {
      const empty = new Uint8Array(0)
      assert.equal(crc(algorithm, empty), 0n)
      assert.equal(js(empty), 0n)
      assert.equal(crc(algorithm, empty, check), check)
      assert.equal(js(empty, check), check)
    })

    it(`${algorithm}: equals the bitwise reference on odd lengths and misaligned views`, () => {
      const data = randomBytes(4099, 3)
      for (const [from, to] of [
        [0, 4099],
        [1, 4098],
        [3, 20],
        [5, 5],
        [7, 15],
        [9, 42],
      ] as const) {
        const view = data.subarray(from, to)
        const expected = reference(algorithm, view)
        assert.equal(crc(algorithm, view), expected, `crc64 [${from}, ${to})`)
        assert.equal(js(view), expected, `js [${from}, ${to})`)
      }
    })

    it(`${algorithm}: WebAssembly and JavaScript paths agree on random data and views`, () => {
      const wasm = wasmPath(algorithm)
      const next = prng(algorithm.length * 7919)
      // 300 KB crosses the WebAssembly input window several times; short lengths cover the
      // bytewise head and tail around the 16-byte blocks.
      const data = randomBytes(300_007, 11)
      const lengths = [...Array.from({ length: 48 }, (_, i) => i), 1021, 65_537, 98_305, 299_999]
      for (const length of lengths) {
        const from = next() % 8
        const view = data.subarray(from, from + length)
        const seed = (BigInt(next()) * BigInt(next())) & mask
        assert.equal(wasm(view), js(view), `length ${length} at ${from}`)
        assert.equal(wasm(view, seed), js(view, seed), `length ${length} at ${from} from ${seed}`)
      }
    })

    it(`${algorithm}: reads a view of a larger buffer without touching bytes around it`, () => {
      const data = randomBytes(1000, 5)
      const copy = data.slice(13, 987)
      assert.equal(crc(algorithm, data.subarray(13, 987)), crc(algorithm, copy))
      assert.equal(js(data.subarray(13, 987)), js(copy))
    })

    it(`${algorithm}: continuing from a previous CRC equals one pass`, () => {
      const data = randomBytes(100_003, 5)
      const whole = crc(algorithm, data)
      assert.equal(js(data), whole)
      for (const cut of [0, 1, 7, 8, 15, 16, 17, 50_000, 100_003]) {
        const head = data.subarray(0, cut)
        const tail = data.subarray(cut)
        assert.equal(crc(algorithm, tail, crc(algorithm, head)), whole, `cut ${cut}`)
        assert.equal(js(tail, js(head)), whole, `js cut ${cut}`)
      }
    })

    it(`${algorithm}: combining CRCs of random splits equals the one-shot CRC`, () => {
      const data = randomBytes(300_001, 9)
      const whole = crc(algorithm, data)
      const next = prng(17)
      for (let round = 0; round < 20; round++) {
        const cuts = [0, data.length]
        for (let k = 0; k < 6; k++) cuts.push(next() % (data.length + 1))
        // Repeat one cut so that every round has a zero-length piece somewhere.
        cuts.push(cuts[2 + (round % 6)]!)
        cuts.sort((a, b) => a - b)
        let combined = 0n
        for (let k = 0; k + 1 < cuts.length; k++) {
          const piece = data.subarray(cuts[k], cuts[k + 1])
          combined = crcCombine(algorithm, combined, crc(algorithm, piece), piece.length)
        }
        assert.equal(combined, whole, `cuts ${cuts.join(',')}`)
      }
    })

    it(`${algorithm}: combine with an empty second part returns the first CRC`, () => {
      assert.equal(crcCombine(algorithm, check, 0n, 0), check)
      assert.equal(crcCombine(algorithm, 0n, check, CHECK.length), check)
    })

    it(`${algorithm}: combine is associative for terabyte lengths`, () => {
      const a = 0x0123456789abcdefn & mask
      const b = 0xfedcba9876543210n & mask
      const c = 0x0f0f0f0f0f0f0f0fn & mask
      for (const [lb, lc] of [
        [5 * TiB, 3 * 1024 ** 3 + 7],
        [2 ** 53 - 1 - 12345, 12345],
        [1, 8 * TiB + 1],
      ] as const) {
        const left = crcCombine(algorithm, crcCombine(algorithm, a, b, lb), c, lc)
        const right = crcCombine(algorithm, a, crcCombine(algorithm, b, c, lc), lb + lc)
        assert.equal(left, right, `${lb} + ${lc}`)
      }
    })

    it(`${algorithm}: the CRC of 5 TiB of zeros is the same however it is composed`, () => {
      const MiB = 1024 * 1024
      const zeros = crc(algorithm, new Uint8Array(5 * MiB))
      // Doubling 5 MiB twenty times gives 5 TiB.
      let doubled = zeros
      for (let k = 0, length = 5 * MiB; k < 20; k++, length *= 2) {
        doubled = crcCombine(algorithm, doubled, doubled, length)
      }
      // 4 TiB + 1 TiB, each built by doubling 1 MiB.
      const oneMiB = crc(algorithm, new Uint8Array(MiB))
      let oneTiB = oneMiB
      let fourTiB = oneMiB
      for (let k = 0; k < 20; k++) oneTiB = crcCombine(algorithm, oneTiB, oneTiB, MiB * 2 ** k)
      for (let k = 0; k < 22; k++) fourTiB = crcCombine(algorithm, fourTiB, fourTiB, MiB * 2 ** k)
      assert.equal(crcCombine(algorithm, fourTiB, oneTiB, TiB), doubled)
    })
  }

  it('sends the CRC-64/XZ check value as OSS does, in decimal', () => {
    assert.equal(crc64('crc64xz', CHECK).toString(), '11051210869376104954')
  })

  it("an algorithm it does not know is an OptionsError naming 'algorithm' and the known ones", () => {
    assert.throws(
      () => crc('bogus' as ChecksumAlgorithm, CHECK),
      (error: unknown) =>
        error instanceof OptionsError &&
        error.option === 'algorithm' &&
        error.received === 'bogus' &&
        /crc64xz, crc64nvme, crc32, crc32c/.test(error.message),
    )
    assert.equal(crc('crc32', CHECK), CHECK_VALUES.crc32)
  })

  it('rejects a negative or fractional combine length', () => {
    assert.throws(() => crc64Combine('crc64xz', 1n, 2n, -1), RangeError)
    assert.throws(() => crc64Combine('crc64xz', 1n, 2n, 1.5), RangeError)
    assert.throws(() => crc64Combine('crc64xz', 1n, 2n, 2 ** 53), RangeError)
    assert.throws(() => crcCombine('crc32c', 1n, 2n, -1), RangeError)
    assert.throws(() => crcCombine('crc32', 1n, 2n, 2 ** 53), RangeError)
  })

  it('formats a CRC-32 as 8 lower-case hex digits and a CRC-64 as 16', () => {
    assert.equal(formatCrcHex('crc32', 0xabn), '000000ab')
    assert.equal(formatCrcHex('crc32c', 0xe3069283n), 'e3069283')
    assert.equal(formatCrcHex('crc64nvme', 0xabn), '00000000000000ab')
  })

  it('formats as 16 lower-case hex digits', () => {
    assert.equal(formatCrc64Hex(0xabn), '00000000000000ab')
    assert.equal(formatCrc64Hex(0n), '0000000000000000')
    assert.equal(formatCrc64Hex(0x995dc9bbdf1939fan), '995dc9bbdf1939fa')
    assert.equal(formatCrc64Hex(0xffffffffffffffffn), 'ffffffffffffffff')
  })
})
