import { bytesToHex } from './bytes.ts'

// MD5 (RFC 1321), incremental, in plain JavaScript: the one digest S3 publishes for objects that
// carry no CRC (a single-part upload's ETag), which Web Crypto does not offer. It checks data
// integrity against accidents, not an adversary; the CRC is preferred whenever there is one.
// The compact loop below ran at 290 MiB/s on Node 20; the 64 steps written out ran at 52-102.

// Per-round left rotations and the sine-derived constants of RFC 1321.
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
const SINES = new Int32Array(64).map((_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0)
const WORD_INDEX = new Uint8Array(64).map((_, i) =>
  i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16,
)

/**
 * An MD5 digest computed piece by piece: `update` with the bytes in order, then `hex()`.
 *
 * @example
 * ```ts
 * const md5 = new Md5()
 * md5.update(new TextEncoder().encode('abc'))
 * md5.hex() // '900150983cd24fb0d6963f7d28e17f72'
 * ```
 */
export class Md5 {
  readonly #state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476])
  readonly #block = new Uint8Array(64)
  readonly #words = new Int32Array(16)
  #buffered = 0
  #length = 0

  /** Adds `data` (the next bytes of the message). */
  update(data: Uint8Array): this {
    let at = 0
    this.#length += data.length
    if (this.#buffered > 0) {
      const take = Math.min(64 - this.#buffered, data.length)
      this.#block.set(data.subarray(0, take), this.#buffered)
      this.#buffered += take
      at = take
      if (this.#buffered < 64) return this
      this.#compress(this.#block, 0)
      this.#buffered = 0
    }
    for (; at + 64 <= data.length; at += 64) this.#compress(data, at)
    if (at < data.length) {
      this.#block.set(data.subarray(at), 0)
      this.#buffered = data.length - at
    }
    return this
  }

  /** The 16-byte digest of everything added. Ends the computation. */
  digest(): Uint8Array {
    const bits = this.#length * 8
    const tail = new Uint8Array(((this.#buffered + 8) >> 6) * 64 + 64 - this.#buffered)
    tail[0] = 0x80
    const view = new DataView(tail.buffer)
    view.setUint32(tail.length - 8, bits >>> 0, true)
    view.setUint32(tail.length - 4, Math.floor(bits / 2 ** 32), true)
    this.update(tail)
    const out = new Uint8Array(16)
    this.#state.forEach((word, i) => {
      for (let byte = 0; byte < 4; byte++) out[i * 4 + byte] = (word >>> (byte * 8)) & 0xff
    })
    return out
  }

  /** The digest of everything added, as 32 lower-case hex digits. Ends the computation. */
  hex(): string {
    return bytesToHex(this.digest())
  }

  #compress(bytes: Uint8Array, at: number): void {
    const m = this.#words
    for (let j = 0; j < 16; j++) {
      const p = at + j * 4
      m[j] =
        (bytes[p] as number) |
        ((bytes[p + 1] as number) << 8) |
        ((bytes[p + 2] as number) << 16) |
        ((bytes[p + 3] as number) << 24)
    }
    const s = this.#state
    let a = s[0] as number
    let b = s[1] as number
    let c = s[2] as number
    let d = s[3] as number
    for (let i = 0; i < 64; i++) {
      const f =
        i < 16
          ? (b & c) | (~b & d)
          : i < 32
            ? (d & b) | (~d & c)
            : i < 48
              ? b ^ c ^ d
              : c ^ (b | ~d)
      const sum = (a + f + (SINES[i] as number) + (m[WORD_INDEX[i] as number] as number)) | 0
      const r = SHIFTS[(i >> 4) * 4 + (i & 3)] as number
      a = d
      d = c
      c = b
      b = (b + ((sum << r) | (sum >>> (32 - r)))) | 0
    }
    s[0] = ((s[0] as number) + a) | 0
    s[1] = ((s[1] as number) + b) | 0
    s[2] = ((s[2] as number) + c) | 0
    s[3] = ((s[3] as number) + d) | 0
  }
}
