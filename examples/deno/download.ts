// Resumable download on Deno; run it twice with Ctrl-C in between to see it resume. Outside this repository, import with npm: specifiers
// (`npm:@resumable/core`, `npm:@resumable/store-fs`, `npm:@resumable/transport-fetch`).
//   deno run -A --conditions=@resumable/source examples/deno/download.ts [dest] [url]
import { AbortedError, download } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { startMockOss } from '@resumable/testkit/node'
import { createUrlTransport } from '@resumable/transport-fetch'

declare const Deno: {
  args: string[]
  pid: number
  version: { deno: string }
  makeTempDirSync(): string
  addSignalListener(signal: 'SIGINT', handler: () => void): void
  exitCode: number
}

const [givenDest, givenUrl] = Deno.args
const mock = givenUrl ? undefined : await startMockOss()
mock?.oss.putObject('examplebucket', 'big.bin', { generated: { size: 32 * 1024 * 1024, seed: 1 } })
const url = givenUrl ?? `${mock?.url}/examplebucket/big.bin`
const dest = givenDest ?? `${Deno.makeTempDirSync()}/big.bin`

const controller = new AbortController()
Deno.addSignalListener('SIGINT', () => controller.abort())
try {
  const result = await download({
    transport: createUrlTransport({ url }),
    target: new FileTarget(dest),
    checkpoint: new FileCheckpointStore(),
    partSize: 4 * 1024 * 1024,
    signal: controller.signal,
  })
  console.log(
    `deno ${Deno.version.deno}: ${dest} ${result.bytes} bytes, verified by ${result.verification.method}`,
  )
} catch (error) {
  // Ctrl-C pauses: the part file and its checkpoint stay, and the next run resumes from them.
  if (!(error instanceof AbortedError && error.kind === 'paused')) throw error
  console.log(error.message)
  Deno.exitCode = 130
} finally {
  await mock?.close()
}
