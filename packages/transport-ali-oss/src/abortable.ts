/**
 * Settles like `promise`, but rejects with `signal.reason` as soon as the signal aborts. ali-oss
 * takes no AbortSignal, so the request itself runs on until its headers arrive (bounded by the
 * client's `timeout`); `discard` then releases whatever it resolved to.
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  discard: (late: T) => void,
): Promise<T> {
  if (signal === undefined) return promise
  return new Promise<T>((resolve, reject) => {
    let gaveUp = false
    const onAbort = (): void => {
      gaveUp = true
      reject(signal.reason)
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        if (gaveUp) discard(value)
        else resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        if (!gaveUp) reject(error)
      },
    )
  })
}
