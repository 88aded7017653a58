// Resumable download on Node: a URL (or, with no argument, the testkit's loopback mock OSS) to a file,
// with a checkpoint next to it. Run it twice with Ctrl-C in between to see it resume.
//   node --conditions=@resumable/source --import tsx examples/node/download.ts [dest] [url]
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { AbortedError, download } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { startMockOss } from '@resumable/testkit/node'
import { createUrlTransport } from '@resumable/transport-fetch'

const [givenDest, givenUrl] = process.argv.slice(2)
const mock = givenUrl ? undefined : await startMockOss()
mock?.oss.putObject('examplebucket', 'big.bin', { generated: { size: 32 * 1024 * 1024, seed: 1 } })
const url = givenUrl ?? `${mock?.url}/examplebucket/big.bin`
const dest = givenDest ?? join(tmpdir(), `resumable-node-example-${process.pid}.bin`)

const controller = new AbortController()
process.once('SIGINT', () => controller.abort())
try {
  const result = await download({
    transport: createUrlTransport({ url }),
    target: new FileTarget(dest, { overwrite: true }),
    checkpoint: new FileCheckpointStore(),
    partSize: 4 * 1024 * 1024,
    concurrency: 8,
    signal: controller.signal,
    onProgress: (p) =>
      process.stderr.write(`\r${((p.bytesDone / p.totalBytes) * 100).toFixed(1)}%`),
  })
  console.log(
    `\nnode ${process.version}: ${dest} ${result.bytes} bytes, verified by ${result.verification.method}`,
  )
} catch (error) {
  // Ctrl-C pauses: the part file and its checkpoint stay, and the next run resumes from them.
  if (!(error instanceof AbortedError && error.kind === 'paused')) throw error
  console.log(`\n${error.message}`)
  process.exitCode = 130
} finally {
  await mock?.close()
}
