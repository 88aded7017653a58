import { chunkReader } from '../byte-source.ts'
import { concatBytes } from '../bytes.ts'
import type { ByteSource } from '../ports.ts'

/** Error documents are a few hundred bytes; a larger body is not one, and is not read further. */
const ERROR_BODY_LIMIT = 64 * 1024

/**
 * Reads a small body (an error document) as UTF-8, at most `limit` bytes, then frees the rest.
 * A body that fails mid-way yields what arrived: the status and headers still say enough.
 */
export async function readBodyText(
  body: ByteSource,
  limit: number = ERROR_BODY_LIMIT,
): Promise<string> {
  const reader = chunkReader(body)
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  try {
    for (;;) {
      const chunk = await reader.next()
      if (chunk === undefined) return text + decoder.decode()
      size += chunk.length
      if (size > limit) return text
      text += decoder.decode(chunk, { stream: true })
    }
  } catch {
    return text
  } finally {
    await reader.cancel()
  }
}

/**
 * The whole of `body` as one array, its chunks copied (a wire may lend them): for a short answer
 * read outside the engine, such as an STS call's. A body that breaks off rejects with the wire's
 * error; one that runs past `limit` bytes is cancelled and rejects with a RangeError.
 *
 * @example
 * ```ts
 * const text = new TextDecoder().decode(await readWholeBody(response.body, 256 * 1024))
 * ```
 */
export async function readWholeBody(
  body: ByteSource,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = chunkReader(body)
  const pieces: Uint8Array[] = []
  let size = 0
  for (;;) {
    const chunk = await reader.next()
    if (chunk === undefined) return concatBytes(pieces)
    size += chunk.length
    if (size > limit) {
      await reader.cancel()
      throw new RangeError(`an answer of more than ${limit} bytes`)
    }
    pieces.push(chunk.slice())
  }
}
