// A Target for benchmarks that measure everything but the disk: it accepts every write and keeps
// nothing (bench/support/run-stages.ts, bench/support/run-batch-stages.ts).
import type { Target } from '@resumable/core'

/** A Target named `id` that accepts every write and keeps nothing. */
export function nowhereTarget(id = 'nowhere'): Target {
  return {
    id,
    open: async () => ({ resumed: false }),
    write: async () => undefined,
    writeChunks: async () => undefined,
    read: async (_offset, length) => new Uint8Array(length),
    sync: async () => undefined,
    commit: async () => undefined,
    abort: async () => undefined,
  }
}
