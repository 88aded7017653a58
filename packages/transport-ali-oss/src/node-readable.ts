/** The node:http IncomingMessage surface ali-oss's `getStream` returns (Node, Deno and Bun all provide it). */
export interface NodeReadableLike {
  /** Closes the socket; a pending read then settles. */
  destroy(error?: Error): unknown
  /** Yields Buffers. */
  [Symbol.asyncIterator](): AsyncIterator<unknown>
}

/** True when `value` can be consumed and destroyed like an IncomingMessage. */
export function isNodeReadable(value: unknown): value is NodeReadableLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NodeReadableLike).destroy === 'function' &&
    typeof (value as NodeReadableLike)[Symbol.asyncIterator] === 'function'
  )
}

/** Destroys a body we no longer want; never throws, so it cannot mask the error being reported. */
export function destroyQuietly(stream: unknown, reason?: unknown): void {
  try {
    if (isNodeReadable(stream)) stream.destroy(reason instanceof Error ? reason : undefined)
  } catch {
    // Releasing a body must never mask the error being reported.
  }
}
