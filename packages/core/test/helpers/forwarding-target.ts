import type { Target } from '@resumable/core'

/**
 * A Target that forwards the required calls to `made` (a class instance, whose methods a spread
 * would not copy), with `overrides` in their place: an optional member (`writeChunks`, `md5`,
 * `digest`, …) only when overridden, so a test can take one away.
 */
export function forwarding(made: Target, overrides: Partial<Target> = {}): Target {
  return {
    id: made.id,
    open: (o) => made.open(o),
    write: (offset, data) => made.write(offset, data),
    read: (offset, length) => made.read(offset, length),
    sync: () => made.sync(),
    commit: (o) => made.commit(o),
    abort: (o) => made.abort(o),
    ...overrides,
  }
}
