// Serves examples/browser with a local mock bucket, so you can try it in your own browser:
//   node --conditions=@resumable/source --import tsx examples/browser/serve.ts [--slow]
// The page is on http://127.0.0.1:<port>, the object on http://localhost:<port> (another origin, so
// every request is a real CORS request). --slow caps each connection at 1 MiB/s, to have time to
// pause or reload mid-download.
import { readFile } from 'node:fs/promises'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { startMockOss } from '@resumable/testkit/node'
import { build } from 'esbuild'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))
const result = await build({
  entryPoints: { main: here('./main.ts'), worker: here('./worker.ts') },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['@resumable/source'],
  outdir: '/',
  write: false,
})
const files = new Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>()
for (const file of result.outputFiles) {
  files.set(file.path, { body: new Uint8Array(file.contents), type: 'text/javascript' })
}
files.set('/', { body: new Uint8Array(await readFile(here('./index.html'))), type: 'text/html' })

const server = await startMockOss({
  cors: true,
  ...(process.argv.includes('--slow') ? { bytesPerSecondPerConnection: 1024 * 1024 } : {}),
  routes: (request) => {
    const file = files.get(new URL(request.url).pathname)
    return file && new Response(file.body, { headers: { 'content-type': file.type } })
  },
})
server.oss.putObject('examplebucket', 'big.bin', {
  generated: { size: 1024 * 1024 * 1024, seed: 1 },
})
const objectUrl = `http://localhost:${server.port}/examplebucket/big.bin`
console.log(`Open http://127.0.0.1:${server.port}/?url=${encodeURIComponent(objectUrl)}`)
console.log(`(a 1 GiB object at ${objectUrl}; Ctrl-C stops the server)`)
process.once('SIGINT', () => void server.close())
