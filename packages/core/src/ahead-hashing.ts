import type { ChecksumAlgorithm, Crc64Algorithm } from './crc/algorithm.ts'
import { crcWidth } from './crc/algorithm.ts'
import { crc } from './crc/index.ts'
import type { ChecksumRun, ChecksumThread } from './ports.ts'

/** Bytes a part gathers before it hands them to the checksum thread, which hashes them meanwhile. */
const HASH_AHEAD_BYTES = 256 * 1024

/** The CRC of `pieces`, back to back, from `previous`, on this thread. */
export function crcOfPieces(
  algorithm: ChecksumAlgorithm,
  pieces: readonly Uint8Array[],
  previous: bigint,
): bigint {
  let value = previous
  for (const piece of pieces) value = crc(algorithm, piece, value)
  return value
}

/**
 * A part's kept chunks hashed on a {@link ChecksumThread} as they arrive, a write buffer at a
 * time: `add` after each chunk joins the buffer, `finish` when the buffer is written. Only for a
 * CRC-64 and chunks in shared memory; `usable` says whether it applies to a response's chunks.
 */
export class AheadHashing {
  readonly #thread: ChecksumThread | undefined
  #run: ChecksumRun | undefined
  /** How many of the buffer's pieces the thread already has, and the bytes after them. */
  #handed = 0
  #waiting = 0

  constructor(thread: ChecksumThread | undefined, algorithm: ChecksumAlgorithm | undefined) {
    this.#thread = algorithm !== undefined && crcWidth(algorithm) === 64 ? thread : undefined
  }

  /** True when `chunk`'s kind can go to the thread: a CRC-64 is computed and it is shared memory. */
  usable(chunk: Uint8Array): boolean {
    return (
      this.#thread !== undefined &&
      typeof SharedArrayBuffer !== 'undefined' &&
      chunk.buffer instanceof SharedArrayBuffer
    )
  }

  /** The buffer `held` grew by its last piece: hands over what waits once it is worth a message. */
  add(held: readonly Uint8Array[], algorithm: Crc64Algorithm, previous: bigint): void {
    this.#waiting += (held[held.length - 1] as Uint8Array).length
    if (this.#waiting < HASH_AHEAD_BYTES) return
    this.#handOver(held, algorithm, previous)
  }

  /**
   * The CRC of the whole buffer `held` from `previous`, or undefined when nothing went to the
   * thread (the caller hashes inline). Never rejects: a failed thread leaves the work to this one.
   */
  finish(
    held: readonly Uint8Array[],
    algorithm: Crc64Algorithm,
    previous: bigint,
  ): Promise<bigint> | undefined {
    const run = this.#run
    this.#waiting = 0
    if (run === undefined) return undefined
    this.#handOver(held, algorithm, previous)
    this.#run = undefined
    this.#handed = 0
    return run.value().catch(() => crcOfPieces(algorithm, held, previous))
  }

  #handOver(held: readonly Uint8Array[], algorithm: Crc64Algorithm, previous: bigint): void {
    if (this.#handed === held.length) return
    this.#run ??= (this.#thread as ChecksumThread).begin(algorithm, previous)
    this.#run.update(held.slice(this.#handed))
    this.#handed = held.length
    this.#waiting = 0
  }
}
