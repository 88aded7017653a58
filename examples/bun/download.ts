// Resumable download on Bun; run it twice with Ctrl-C in between to see it resume.
//   bun --conditions=@resumable/source examples/bun/download.ts [dest] [url]
import process from 'node:process'
import { AbortedError, download } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { startMockOss } from '@resumable/testkit/node'
import { createUrlTransport } from '@resumable/transport-fetch'

declare const Bun: { argv: string[]; version: string }

const [givenDest, givenUrl] = Bun.argv.slice(2)
const mock = givenUrl ? undefined : await startMockOss()
mock?.oss.putObject('examplebucket', 'big.bin', { generated: { size: 32 * 1024 * 1024, seed: 1 } })
const url = givenUrl ?? `${mock?.url}/examplebucket/big.bin`
const dest = givenDest ?? `/tmp/resumable-bun-example-${Date.now()}.bin`

const controller = new AbortController()
process.once('SIGINT', () => controller.abort())
try {
  const result = await download({
    transport: createUrlTransport({ url }),
    target: new FileTarget(dest),
    checkpoint: new FileCheckpointStore(),
    partSize: 4 * 1024 * 1024,
    signal: controller.signal,
  })
  console.log(
    `bun ${Bun.version}: ${dest} ${result.bytes} bytes, verified by ${result.verification.method}`,
  )
} catch (error) {
  // Ctrl-C pauses: the part file and its checkpoint stay, and the next run resumes from them.
  if (!(error instanceof AbortedError && error.kind === 'paused')) throw error
  console.log(error.message)
  process.exitCode = 130
} finally {
  await mock?.close()
}
