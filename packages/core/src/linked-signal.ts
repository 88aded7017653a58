/** A signal that aborts with its parent until `unlink` is called. */
export interface LinkedSignal {
  readonly signal: AbortSignal
  /** Stops following the parent, removing the one listener it keeps there. */
  unlink(): void
}

/**
 * A child of `parent` whose listeners go with it: work that may leave listeners on the signal it
 * is given (a stat keeps one for the response it may leave open) leaves only this one on the
 * parent, and none once unlinked.
 */
export function linkedSignal(parent: AbortSignal): LinkedSignal {
  const controller = new AbortController()
  const onAbort = (): void => controller.abort(parent.reason)
  if (parent.aborted) onAbort()
  else parent.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    unlink: () => parent.removeEventListener('abort', onAbort),
  }
}
