import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ChecksumAlgorithm, crc64, crc64Combine, formatCrc64Hex } from '@resumable/core'

const CHECK = new TextEncoder().encode('123456789')

/** Bit-at-a-time reference, straight from the definition, to test the sliced tables against. */
function reference(algorithm: ChecksumAlgorithm, data: Uint8Array): bigint {
  const poly = algorithm === 'crc64xz' ? 0xc96c5795d7870f42n : 0x9a6c9329ac4bc9b5n
  let crc = 0xffffffffffffffffn
  for (const byte of data) {
    crc ^= BigInt(byte)
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n
  }
  return crc ^ 0xffffffffffffffffn
}

function randomBytes(n: number, seed: number): Uint8Array {
  let x = seed
  return new Uint8Array(n).map(() => {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    return x >>> 16
  })
}

describe('crc64', () => {
  it('matches the CRC-64/XZ check value (OSS x-oss-hash-crc64ecma)', () => {
    assert.equal(crc64('crc64xz', CHECK), 0x995dc9bbdf1939fan)
    assert.equal(crc64('crc64xz', CHECK).toString(), '11051210869376104954')
  })

  it('matches the CRC-64/NVME check value (S3 x-amz-checksum-crc64nvme)', () => {
    assert.equal(crc64('crc64nvme', CHECK), 0xae8b14860a799888n)
  })

  it('is 0 for empty input', () => {
    assert.equal(crc64('crc64xz', new Uint8Array(0)), 0n)
    assert.equal(crc64('crc64nvme', new Uint8Array(0)), 0n)
  })

  for (const algorithm of ['crc64xz', 'crc64nvme'] as const) {
    it(`${algorithm}: equals the bitwise reference on odd lengths and misaligned views`, () => {
      const data = randomBytes(4099, 3)
      for (const [from, to] of [
        [0, 4099],
        [1, 4098],
        [3, 20],
        [5, 5],
        [7, 15],
      ] as const) {
        const view = data.subarray(from, to)
        assert.equal(crc64(algorithm, view), reference(algorithm, view), `[${from}, ${to})`)
      }
    })

    it(`${algorithm}: continuing from a previous CRC equals one pass`, () => {
      const data = randomBytes(100_003, 5)
      const whole = crc64(algorithm, data)
      for (const cut of [0, 1, 7, 8, 50_000, 100_003]) {
        assert.equal(
          crc64(algorithm, data.subarray(cut), crc64(algorithm, data.subarray(0, cut))),
          whole,
        )
      }
    })

    it(`${algorithm}: combining CRCs of random splits equals the one-shot CRC`, () => {
      const data = randomBytes(300_001, 9)
      const whole = crc64(algorithm, data)
      let seed = 17
      for (let round = 0; round < 20; round++) {
        const cuts = [0, data.length]
        for (let k = 0; k < 4; k++) {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff
          cuts.push(seed % (data.length + 1))
        }
        cuts.sort((a, b) => a - b)
        let combined = 0n
        for (let k = 0; k + 1 < cuts.length; k++) {
          const piece = data.subarray(cuts[k], cuts[k + 1])
          combined = crc64Combine(algorithm, combined, crc64(algorithm, piece), piece.length)
        }
        assert.equal(combined, whole, `cuts ${cuts.join(',')}`)
      }
    })
  }

  it('combine with an empty second part returns the first CRC', () => {
    assert.equal(crc64Combine('crc64xz', 0x1234n, 0n, 0), 0x1234n)
  })

  it('combine is associative for terabyte lengths', () => {
    const a = 0x0123456789abcdefn
    const b = 0xfedcba9876543210n
    const c = 0x0f0f0f0f0f0f0f0fn
    const lb = 5 * 1024 ** 4
    const lc = 3 * 1024 ** 3 + 7
    const left = crc64Combine('crc64xz', crc64Combine('crc64xz', a, b, lb), c, lc)
    const right = crc64Combine('crc64xz', a, crc64Combine('crc64xz', b, c, lc), lb + lc)
    assert.equal(left, right)
  })

  it('formats as 16 lower-case hex digits', () => {
    assert.equal(formatCrc64Hex(0xabn), '00000000000000ab')
  })
})
