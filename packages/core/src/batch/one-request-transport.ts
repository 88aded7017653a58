import { chunkReader } from '../byte-source.ts'
import { isTransportError } from '../errors/transport-error.ts'
import type {
  ByteSource,
  CallOptions,
  ObjectInfo,
  ReadRequest,
  ReadResponse,
  Transport,
  WholeRead,
} from '../ports.ts'
import type { ListedObject } from './lister.ts'

/** A Transport that may hold a body no one has read yet; `dispose` releases it. */
export interface OneRequestTransport extends Transport {
  /** Cancels a held body the engine never asked for (it failed or stopped before reading). */
  dispose(): Promise<void>
  /** What the last successful `stat` said of the object; undefined before one succeeds. */
  readonly answered: ObjectInfo | undefined
}

/**
 * Makes stat + read one request for a listed object that fits in one: the first `stat` is a
 * `readWhole` (If-Match the listed ETag) whose headers are the ObjectInfo and whose body is held
 * for the engine's single read of bytes 0..size-1. Info and bytes come from the same response, so
 * they can never belong to two versions. Everything else is the engine unchanged: plan, range
 * and ETag checks, CRC, retries (a retried read goes to the store, If-Match the ETag seen),
 * restarts, commit.
 *
 * A 412 means the object changed since it was listed: the first `stat` then falls back to the
 * plain `stat`, so the engine downloads what is there now exactly as it would have after a HEAD,
 * and the batch reports the object as changed since listing. An answer of unknown length or
 * larger than `maxBytes` (the object grew past one request) is used as a stat only.
 */
export function oneRequestTransport(
  transport: Transport,
  listed: ListedObject,
  maxBytes: number,
): OneRequestTransport {
  let first = true
  let answered: ObjectInfo | undefined
  let held: (WholeRead & { readonly body: ByteSource }) | undefined
  const drop = async (): Promise<void> => {
    const body = held?.body
    held = undefined
    if (body) await chunkReader(body).cancel()
  }
  const stat = async (options?: CallOptions): Promise<ObjectInfo> => {
    if (!first || transport.readWhole === undefined) return transport.stat(options)
    first = false
    let whole: WholeRead
    try {
      whole = await transport.readWhole({
        ...(options?.signal ? { signal: options.signal } : {}),
        ...(listed.etag === undefined ? {} : { ifMatch: listed.etag }),
      })
    } catch (error) {
      if (isTransportError(error) && error.kind === 'precondition-failed')
        return transport.stat(options)
      throw error
    }
    const { object, body } = whole
    if (body === undefined) return object
    held = { ...whole, body }
    if (object.sizeKnown === false || object.size > maxBytes || object.size === 0) await drop()
    return object
  }
  return {
    id: transport.id,
    get answered() {
      return answered
    },
    async stat(options?: CallOptions): Promise<ObjectInfo> {
      answered = await stat(options)
      return answered
    },
    async read(request: ReadRequest): Promise<ReadResponse> {
      const whole = held
      held = undefined
      if (
        whole !== undefined &&
        request.toEnd !== true &&
        request.start === 0 &&
        request.end === whole.object.size - 1 &&
        request.object.etag === whole.object.etag
      ) {
        return {
          range: { start: 0, end: request.end },
          ...(whole.object.etag === undefined ? {} : { etag: whole.object.etag }),
          body: whole.body,
          ...(whole.chunksLent ? { chunksLent: true } : {}),
          ...(whole.keep ? { keep: whole.keep } : {}),
        }
      }
      if (whole !== undefined) await chunkReader(whole.body).cancel()
      return transport.read(request)
    },
    dispose: drop,
  }
}
