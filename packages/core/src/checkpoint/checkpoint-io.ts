import { CheckpointError } from '../errors/checkpoint-error.ts'

/**
 * Runs one CheckpointStore call and reports its failure as `CheckpointError('io')`, whatever the
 * store threw, so a caller tells a checkpoint failure from a destination or network one by class.
 * The store's own error stays as `cause`.
 */
export async function checkpointIo<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (cause) {
    if (cause instanceof CheckpointError) throw cause
    throw new CheckpointError('io', `could not ${what}`, { cause })
  }
}
