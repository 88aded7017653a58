import type { TransferState } from './checkpoint/transfer-state.ts'
import { type DigestAlgorithm, storeDigest } from './digest.ts'
import type { ResolvedOptions } from './options.ts'
import { partRange } from './plan.ts'
import type { ObjectInfo, Target, TargetSpan } from './ports.ts'

/**
 * The digests step 8 will ask the Target for once every byte is in place: the caller's `digest`,
 * and the store's SHA or MD5 when no CRC can prove the object (the second pass). Said to the
 * Target before the parts are fetched ({@link Target.hashAhead}), so that it can hash the bytes as
 * they are written; a guess that proves wrong costs only the hashing.
 */
function digestsToHashAhead(
  options: ResolvedOptions,
  object: ObjectInfo,
  unknownLength: boolean,
): DigestAlgorithm[] {
  const { target } = options
  if (!target.hashAhead || target.readable === false) return []
  const algorithms = new Set<DigestAlgorithm>()
  if (options.digest) algorithms.add(options.digest.algorithm)
  // What secondPass (engine.ts) reads back: a composite CRC is checked upload part by upload
  // part, not as one digest.
  if (options.verify && !options.range && !unknownLength && object.checksum === undefined) {
    const store = storeDigest(object, target)
    if (store) algorithms.add(store.algorithm)
  }
  return [...algorithms]
}

/** The spans a resumed transfer already holds: its done parts and the written prefixes of the rest. */
function presentSpans(state: TransferState): TargetSpan[] {
  const spans: TargetSpan[] = []
  for (let index = 0; index < state.plan.partCount; index++) {
    if (!state.isDone(index)) continue
    const { start, end } = partRange(state.plan, index)
    spans.push({ start, end: end + 1 })
  }
  for (const { index, written } of state.partials()) {
    const { start } = partRange(state.plan, index)
    spans.push({ start, end: start + written })
  }
  return spans
}

/** Tells `target` which digests to hash as it is written, when there are any. */
export function startHashingAhead(
  options: ResolvedOptions,
  object: ObjectInfo,
  unknownLength: boolean,
  state: TransferState,
): void {
  const algorithms = digestsToHashAhead(options, object, unknownLength)
  if (algorithms.length === 0) return
  const present = presentSpans(state)
  options.target.hashAhead?.(algorithms, present.length > 0 ? { present } : {})
}
