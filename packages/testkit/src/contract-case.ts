import type { ByteSource } from '@resumable/core'

/** One runner-agnostic contract check; assertions use node:assert, so any runner can bind it. */
export interface ContractCase {
  readonly name: string
  run(): Promise<void>
}

/** Reads a whole body. */
export async function collect(body: ByteSource): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  if (typeof (body as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      parts.push(value)
    }
  } else {
    for await (const chunk of body as AsyncIterable<Uint8Array>) parts.push(chunk)
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
