const FNV_OFFSET = 0xcbf29ce484222325n
const FNV_PRIME = 0x100000001b3n
const MASK = 0xffffffffffffffffn
const encoder = new TextEncoder()

/** Which of `count` machines downloads an object. */
export interface Shard {
  /** This machine's shard, 0-based: 0 ≤ index < count. */
  readonly index: number
  /** How many machines split the batch. */
  readonly count: number
}

/**
 * FNV-1a 64 of the key's UTF-8 bytes: offset basis 0xcbf29ce484222325, prime 0x100000001b3, each
 * byte XORed in before the multiply, arithmetic mod 2^64. Stable across runtimes and languages.
 *
 * @example
 * fnv1a64('') // 0xcbf29ce484222325n
 * fnv1a64('a') // 0xaf63dc4c8601ec8cn
 */
export function fnv1a64(key: string): bigint {
  let hash = FNV_OFFSET
  for (const byte of encoder.encode(key)) {
    hash ^= BigInt(byte)
    hash = (hash * FNV_PRIME) & MASK
  }
  return hash
}

/**
 * The shard an object key belongs to: `fnv1a64(UTF-8 bytes of the full key) mod count`. Every
 * key lands in exactly one shard whatever the listing order, so N machines split one batch with
 * no coordinator; another implementation matches by computing the same hash.
 *
 * @example
 * shardOf('datasets/2026/part-00017.parquet', 16) // a number in 0..15, the same everywhere
 */
export function shardOf(key: string, count: number): number {
  return Number(fnv1a64(key) % BigInt(count))
}

const SHARD_SUFFIX = /#shard=\d+\/(\d+)$/

/**
 * A sharded batch's id, as its journal names it: the batch's own, with the shard appended.
 *
 * @example
 * shardBatchId('s3://b/logs/ → /data', { index: 3, count: 16 }) // 's3://b/logs/ → /data#shard=3/16'
 */
export function shardBatchId(id: string, shard: Shard): string {
  return `${id}#shard=${shard.index}/${shard.count}`
}

/** True when two batch ids name shards of one split: the same batch, the same count. */
export function shardsOfOneSplit(a: string, b: string): boolean {
  const x = SHARD_SUFFIX.exec(a)
  const y = SHARD_SUFFIX.exec(b)
  return x !== null && y !== null && x[1] === y[1] && a.slice(0, x.index) === b.slice(0, y.index)
}
