import { CheckpointError } from '../errors/checkpoint-error.ts'

/**
 * Runs one CheckpointStore call and reports its failure as `CheckpointError('io')`, whatever the
 * store threw, so a caller tells a checkpoint failure from a destination or network one by class.
 * The store's own error stays as `cause`, and its message ends this one's.
 */
export async function checkpointIo<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (cause) {
    if (cause instanceof CheckpointError) throw cause
    // The store's reason (ENAMETOOLONG, ENOSPC, EACCES, a quota) is what the user can act on.
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new CheckpointError('io', `could not ${what}: ${reason}`, { cause })
  }
}
