import { crc as crcOf } from '../crc/index.ts'
import { partRange } from '../plan.ts'
import type { Target } from '../ports.ts'
import type { TransferState } from './transfer-state.ts'

/**
 * Reads back every byte the checkpoint claims and compares its CRC with the recorded one;
 * parts that differ (a disk that lied, a temp file edited by hand) are forgotten and fetched again.
 * Returns the indices of the parts that failed.
 */
export async function recheckParts(
  target: Target,
  state: TransferState,
  chunkSize: number,
): Promise<number[]> {
  const algorithm = state.algorithm
  if (!algorithm) return []
  const failed: number[] = []
  const claims: { index: number; length: number; crc: bigint }[] = state.partials().map((p) => ({
    index: p.index,
    length: p.written,
    crc: p.crc,
  }))
  for (let i = 0; i < state.plan.partCount; i++) {
    if (!state.isDone(i)) continue
    const { start, end } = partRange(state.plan, i)
    claims.push({ index: i, length: end - start + 1, crc: state.crcs[i] as bigint })
  }
  for (const claim of claims) {
    const { start } = partRange(state.plan, claim.index)
    let crc = 0n
    for (let at = 0; at < claim.length; at += chunkSize) {
      crc = crcOf(
        algorithm,
        await target.read(start + at, Math.min(chunkSize, claim.length - at)),
        crc,
      )
    }
    if (crc !== claim.crc) {
      state.forget(claim.index)
      failed.push(claim.index)
    }
  }
  return failed.sort((a, b) => a - b)
}
