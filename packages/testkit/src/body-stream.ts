import type { Fault } from './faults.ts'
import type { ServedCounters } from './served-counters.ts'
import type { ObjectSource } from './source/object-source.ts'

const CHUNK = 64 * 1024

/** Marks a body error as a deliberate connection reset, so a real server destroys the socket. */
export class InjectedReset extends Error {
  override name = 'InjectedReset'
}

/**
 * Streams bytes `start`..`end` of a source, applying a body fault: a reset errors the stream
 * (fetch sees a dropped connection), a stall waits, a short body closes early, a long one adds bytes.
 */
export function bodyStream(
  source: ObjectSource,
  start: number,
  end: number,
  fault: Fault | undefined,
  served: ServedCounters,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const limit =
    fault && (fault.type === 'reset' || fault.type === 'stall' || fault.type === 'short')
      ? Math.min(fault.afterBytes, end - start + 1)
      : end - start + 1
  let chunks =
    end >= start
      ? source.chunks(start, start + limit - 1, CHUNK)[Symbol.iterator]()
      : [][Symbol.iterator]()
  let finished = limit === 0
  let resumed = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!finished) {
        const next = chunks.next()
        if (!next.done) {
          served.bodyBytes += next.value.length
          controller.enqueue(next.value)
          return
        }
        finished = true
      }
      if (resumed) controller.close()
      else if (fault?.type === 'reset')
        controller.error(new InjectedReset('connection reset by the mock'))
      else if (fault?.type === 'stall') {
        await new Promise<void>((resolve) => {
          // A client that gave up before the body started (a slow signer under load) already
          // aborted: its 'abort' event has fired, so waiting for it would hang forever.
          if (signal?.aborted) return resolve()
          const timer = fault.ms === undefined ? undefined : setTimeout(resolve, fault.ms)
          signal?.addEventListener('abort', () => {
            clearTimeout(timer)
            resolve()
          })
        })
        if (fault.resume && !resumed && !signal?.aborted && start + limit <= end) {
          // A slow body: after the pause, the rest of the range follows.
          resumed = true
          finished = false
          chunks = source.chunks(start + limit, end, CHUNK)[Symbol.iterator]()
          // A pull that enqueues nothing is not called again: hand over the first chunk now.
          const next = chunks.next()
          if (!next.done) {
            served.bodyBytes += next.value.length
            controller.enqueue(next.value)
            return
          }
          finished = true
        }
        if (fault.resume && !signal?.aborted) controller.close()
        else controller.error(new InjectedReset('stalled connection closed'))
      } else if (fault?.type === 'short')
        controller.error(new InjectedReset('connection closed early'))
      else {
        if (fault?.type === 'long') controller.enqueue(new Uint8Array(fault.extraBytes))
        controller.close()
      }
    },
  })
}
