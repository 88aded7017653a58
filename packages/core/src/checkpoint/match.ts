import type { ChecksumAlgorithm } from '../crc/algorithm.ts'
import type { CheckpointProblem } from '../errors/checkpoint-error.ts'
import type { ObjectInfo } from '../ports.ts'
import type { Checkpoint } from './codec.ts'

/** Why a decoded checkpoint cannot be used for this download. */
export interface CheckpointMismatch {
  /** The category. */
  readonly problem: CheckpointProblem
  /** What differed, without credentials (ids are credential-free by contract). */
  readonly message: string
}

/**
 * Checks that a checkpoint belongs to this source, destination and object version, and tracked
 * the checksum this run will verify. Returns undefined when it may be trusted.
 */
export function matchCheckpoint(
  checkpoint: Checkpoint,
  source: string,
  destination: string,
  object: ObjectInfo,
  algorithm: ChecksumAlgorithm | undefined,
): CheckpointMismatch | undefined {
  const { identity, state } = checkpoint
  if (identity.source !== source) {
    return { problem: 'foreign', message: `checkpoint is for ${identity.source}, not ${source}` }
  }
  if (identity.destination !== destination) {
    return {
      problem: 'foreign',
      message: `checkpoint is for destination ${identity.destination}, not ${destination}`,
    }
  }
  const was = identity.object
  const changes: string[] = []
  if (was.size !== object.size) changes.push(`size ${was.size} → ${object.size}`)
  if (was.etag !== object.etag)
    changes.push(`ETag ${was.etag ?? '(none)'} → ${object.etag ?? '(none)'}`)
  if (was.lastModified !== object.lastModified) {
    changes.push(
      `Last-Modified ${was.lastModified ?? '(none)'} → ${object.lastModified ?? '(none)'}`,
    )
  }
  if (was.versionId !== object.versionId) {
    changes.push(`version ${was.versionId ?? '(none)'} → ${object.versionId ?? '(none)'}`)
  }
  if (changes.length > 0) {
    return {
      problem: 'stale',
      message: `the object changed since the checkpoint was saved: ${changes.join(', ')}`,
    }
  }
  if (algorithm !== undefined && state.algorithm !== algorithm) {
    return {
      problem: 'plan-changed',
      message: `checkpoint tracked ${state.algorithm ?? 'no checksum'} but this run verifies ${algorithm}`,
    }
  }
  return undefined
}
