import { TransportError } from './errors/transport-error.ts'

/**
 * Runs `operation` but rejects when `controller` aborts, or aborts it with a retryable timeout
 * when nothing settles within `stallMs`; a hung socket must not hang the download. A value that
 * arrives after we gave up is handed to `discard`, so a late response body is not leaked.
 */
export function stallGuard<T>(
  stallMs: number,
  controller: AbortController,
  operation: () => Promise<T>,
  discard?: (late: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal } = controller
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    let gaveUp = false
    const onAbort = (): void => {
      clearTimeout(timer)
      gaveUp = true
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      controller.abort(new TransportError('timeout', `no data received for ${stallMs} ms`))
    }, stallMs)
    signal.addEventListener('abort', onAbort, { once: true })
    operation().then(
      (value) => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        if (gaveUp) discard?.(value)
        else resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
