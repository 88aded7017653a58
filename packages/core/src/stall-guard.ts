import { TransportError } from './errors/transport-error.ts'

/**
 * Runs `operation` but rejects when `controller` aborts, or aborts it with a retryable timeout
 * when nothing settles within `stallMs`; a hung socket must not hang the download.
 */
export function stallGuard<T>(
  stallMs: number,
  controller: AbortController,
  operation: () => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal } = controller
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
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
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
