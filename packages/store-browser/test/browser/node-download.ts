// Child process: the Node side of the throughput comparison, so that, like Chromium, it does not
// share an event loop with the mock. argv: <url> <dest>. Prints one JSON line { ms, verified }.
import process from 'node:process'
import { download } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { createUrlTransport } from '@resumable/transport-fetch'

const [url, dest] = process.argv.slice(2) as [string, string]
const result = await download({
  transport: createUrlTransport({ url }),
  target: new FileTarget(dest),
  checkpoint: new FileCheckpointStore(),
  checkpointIntervalMs: 500,
})
process.stdout.write(
  `${JSON.stringify({ ms: result.durationMs, verified: result.verification.method })}\n`,
)
