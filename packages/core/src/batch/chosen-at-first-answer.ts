import { HOLDS_NOTHING, type MaybeEmptyCheckpointStore } from '../checkpoint/checkpoint-writer.ts'
import type { DigestAlgorithm } from '../digest.ts'
import type { ObjectInfo, Target, TargetDigestOptions, TargetHashAheadOptions } from '../ports.ts'
import type { BatchObjectIO } from './batch-options.ts'
import type { OneRequestTransport } from './one-request-transport.ts'

/** The Target and part checkpoint of an object listed without a size. */
export interface ChosenAtFirstAnswer {
  readonly target: Target
  readonly checkpoint: MaybeEmptyCheckpointStore | undefined
}

/**
 * For an object listed without a size (a manifest's line): its Target and part checkpoint are
 * chosen when its first answer has told the size, as a listed object's are from the listing. One
 * that fits in one request then has what a listed one of its size has: a temporary file private
 * to the run (`singleRequest`, no lock file in store-fs) and no part checkpoint, so neither is
 * looked for, written nor removed. A larger one, or one of unknown length, keeps both.
 *
 * The engine asks in this order: stat, then the checkpoint's `load`, then the Target's `open`.
 * The choice is made at the first of the last two and kept for the rest of the download (its
 * restarts included), so one download never mixes the two. Until then (a stat that failed, before
 * any open) the Target is the regular one, which cleans up what an earlier run left beside the file.
 */
export function chosenAtFirstAnswer(
  io: BatchObjectIO,
  overwrite: boolean,
  transport: OneRequestTransport,
  maxBytes: number,
): ChosenAtFirstAnswer {
  // Both are built now, so the Target offers only what both have: the engine reads the optional
  // members before the choice is made.
  const regular = io.target({ overwrite, singleRequest: false })
  const runPrivate = io.target({ overwrite, singleRequest: true })
  let single: boolean | undefined
  const isSingle = (): boolean => {
    single ??= fits(transport.answered, maxBytes)
    return single
  }
  let chosen: Target | undefined
  const current = (): Target => chosen ?? regular
  const store = io.checkpoint === false ? undefined : io.checkpoint
  const both = <K extends 'writeChunks' | 'setSize' | 'md5' | 'digest' | 'hashAhead'>(
    member: K,
  ): boolean => regular[member] !== undefined && runPrivate[member] !== undefined
  const target: Target = {
    id: regular.id,
    ...(regular.readable === false || runPrivate.readable === false ? { readable: false } : {}),
    open(options) {
      chosen ??= isSingle() ? runPrivate : regular
      return chosen.open(options)
    },
    write: (offset, data) => current().write(offset, data),
    ...(both('writeChunks') && {
      writeChunks: (offset: number, chunks: readonly Uint8Array[]) =>
        current().writeChunks?.(offset, chunks) as Promise<void>,
    }),
    ...(both('setSize') && {
      setSize: (size: number) => current().setSize?.(size) as Promise<void>,
    }),
    ...(both('md5') && { md5: (length: number) => current().md5?.(length) as Promise<string> }),
    ...(both('digest') && {
      digest: (algorithm: DigestAlgorithm, length: number, options?: TargetDigestOptions) =>
        current().digest?.(algorithm, length, options) as Promise<string>,
    }),
    ...(both('hashAhead') && {
      hashAhead: (algorithms: readonly DigestAlgorithm[], options?: TargetHashAheadOptions) =>
        current().hashAhead?.(algorithms, options),
    }),
    read: (offset, length) => current().read(offset, length),
    sync: () => current().sync(),
    commit: (options) => current().commit(options),
    abort: (options) => current().abort(options),
  }
  return {
    target,
    checkpoint: store && {
      load: (key) => (isSingle() ? Promise.resolve(undefined) : store.load(key)),
      save: (key, data) => (isSingle() ? Promise.resolve() : store.save(key, data)),
      remove: (key) => (isSingle() ? Promise.resolve() : store.remove(key)),
      // A user's file in a part checkpoint's place is refused as it is for one download.
      foreignFile: (key, bytes) => store.foreignFile?.(key, bytes) ?? Promise.resolve(undefined),
      // So the engine runs such an object as one without a store: no checkpoint timer, and no
      // AbortController of its own for its lone part worker.
      [HOLDS_NOTHING]: isSingle,
    },
  }
}

/** The answer told a size that one request carries (an empty object has nothing to resume either). */
function fits(answer: ObjectInfo | undefined, maxBytes: number): boolean {
  return answer !== undefined && answer.sizeKnown !== false && answer.size <= maxBytes
}
