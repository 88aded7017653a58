import type { ChecksumAlgorithm } from '../crc/algorithm.ts'
import { CheckpointError } from '../errors/checkpoint-error.ts'
import type { DownloadEvent } from '../events.ts'
import type { CheckpointStore, ObjectInfo } from '../ports.ts'
import { checkpointIo } from './checkpoint-io.ts'
import { CheckpointCodec } from './codec.ts'
import { matchCheckpoint } from './match.ts'
import type { TransferState } from './transfer-state.ts'

/** Where a run's checkpoint lives and what it must match. */
export interface CheckpointLookup {
  readonly store: CheckpointStore
  readonly key: string
  readonly source: string
  readonly destination: string
  readonly object: ObjectInfo
  readonly algorithm: ChecksumAlgorithm | undefined
}

/**
 * Loads the saved progress if it can be trusted: intact, a known format, and about this very
 * object and destination. Anything else is discarded with an event saying why, never used; but a
 * file the store calls foreign (`CheckpointStore.foreignFile`) fails the download with its error.
 */
export async function loadCheckpoint(
  lookup: CheckpointLookup,
  emit: (event: DownloadEvent) => void,
): Promise<TransferState | undefined> {
  const bytes = await checkpointIo(`read the checkpoint for ${lookup.destination}`, () =>
    lookup.store.load(lookup.key),
  )
  if (bytes === undefined) return undefined
  try {
    const checkpoint = CheckpointCodec.decode(bytes)
    const mismatch = matchCheckpoint(
      checkpoint,
      lookup.source,
      lookup.destination,
      lookup.object,
      lookup.algorithm,
    )
    if (mismatch) {
      emit({ type: 'checkpoint-discarded', ...mismatch })
      return undefined
    }
    return checkpoint.state
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error
    // Not a checkpoint at all may be someone else's file with the checkpoint's name: the store,
    // which knows what lies around it, says so, and the download stops before touching it.
    const foreign = await lookup.store.foreignFile?.(lookup.key, bytes)
    if (foreign) throw foreign
    emit({ type: 'checkpoint-discarded', problem: error.problem, message: error.message })
    return undefined
  }
}
