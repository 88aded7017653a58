// Child process: one `resumable` download (FileTarget + FileCheckpointStore, as users run it),
// timed from the first request to the renamed file. argv[2] is JSON (see RunSpec).
// Prints one JSON line { ms, maxRssMiB, verified }.
import { download, type Transport } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { aliOssTransport } from '@resumable/transport-ali-oss'
import { createUrlTransport, fetchWire } from '@resumable/transport-fetch'
import type OSS from 'ali-oss'
import { benchAliOssClient } from './ali-oss-client.ts'

interface RunSpec {
  readonly transport: 'fetch' | 'ali-oss'
  readonly url: string
  readonly key: string
  readonly dest: string
  readonly partMiB: number
  readonly concurrency: number
  readonly verify: boolean
  /** The engine's write buffer per part, KiB (A/B runs); the engine's default when absent. */
  readonly writeBufferKiB?: number
  /** A whole object URL (nginx); `url` + `/bench/` + `key` (mock OSS) when absent. */
  readonly objectUrl?: string
  /** `node`: the URL read through the Node wire (undici); `fetch` (or unset): through fetch. Named either way, so Bun and Deno run this same bundle. */
  readonly wire?: 'fetch' | 'node'
}

const spec = JSON.parse(process.argv[2] ?? '{}') as RunSpec

async function transport(): Promise<Transport> {
  const url = spec.objectUrl ?? `${spec.url}/bench/${spec.key}`
  if (spec.transport === 'fetch' && spec.wire === 'node') {
    // Loaded only here: Bun and Deno run this same bundle with fetch.
    const { defaultNodeWire } = await import('@resumable/transport-fetch/node')
    return createUrlTransport({ url, wire: defaultNodeWire() })
  }
  if (spec.transport === 'fetch') return createUrlTransport({ url, wire: fetchWire() })
  const client = await benchAliOssClient(spec.url, { retryMax: 0 } as Partial<OSS.Options>)
  return aliOssTransport(client as Parameters<typeof aliOssTransport>[0], spec.key)
}

const started = performance.now()
const result = await download({
  transport: await transport(),
  target: new FileTarget(spec.dest, { overwrite: true }),
  checkpoint: new FileCheckpointStore(),
  partSize: spec.partMiB * 1024 * 1024,
  concurrency: spec.concurrency,
  verify: spec.verify,
  ...(spec.writeBufferKiB ? { writeBufferSize: spec.writeBufferKiB * 1024 } : {}),
})
const ms = performance.now() - started
// A plain file server (nginx) publishes no CRC: verification is then the size check, as users get it.
if (spec.verify && spec.objectUrl === undefined && result.verification.method === 'size') {
  throw new Error(`verification was asked for but not done: ${result.verification.reason}`)
}
const maxRssMiB = process.resourceUsage().maxRSS / 1024
process.stdout.write(`${JSON.stringify({ ms, maxRssMiB, verified: result.verification.method })}\n`)
