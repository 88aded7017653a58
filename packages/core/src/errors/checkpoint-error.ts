import { ResumableError } from './resumable-error.ts'

/**
 * Why a checkpoint was not used. `temp-missing`: the partial download it describes is gone;
 * `temp-unusable`: it is there but the Target would not reopen it (see `TargetOpenResult`).
 */
export type CheckpointProblem =
  | 'corrupt'
  | 'truncated'
  | 'unsupported-version'
  | 'foreign'
  | 'stale'
  | 'plan-changed'
  | 'temp-missing'
  | 'temp-unusable'
  | 'io'

/** A checkpoint could not be decoded, did not match this download, or could not be stored. */
export class CheckpointError extends ResumableError {
  override name = 'CheckpointError'
  declare readonly kind: 'checkpoint'
  /** What exactly was wrong. */
  readonly problem: CheckpointProblem

  constructor(problem: CheckpointProblem, message: string, options?: { cause?: unknown }) {
    super('checkpoint', message, options)
    this.problem = problem
  }
}
