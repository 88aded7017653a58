// Child process: the testkit's loopback mock OSS serving generated objects, so the server never
// shares an event loop with a contender. argv[2] is JSON: { objects: [{ key, mib }], cap? }.
// Prints one JSON line { url, objects: { key: crc } } and serves until killed.
import { MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'

interface ServerSpec {
  readonly objects: readonly { readonly key: string; readonly mib: number }[]
  readonly cap?: number
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec
const oss = new MockOss()
const crcs: Record<string, string> = {}
for (const { key, mib } of spec.objects) {
  const object = oss.putObject('bench', key, {
    generated: { size: mib * 1024 * 1024, seed: mib },
  })
  crcs[key] = String(object.crc64)
}
const server = await startMockOss({
  oss,
  ...(spec.cap ? { bytesPerSecondPerConnection: spec.cap } : {}),
})
process.stdout.write(`${JSON.stringify({ url: server.url, objects: crcs })}\n`)
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)))
