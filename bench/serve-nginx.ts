// Starts loopback nginx (bench/support/nginx.ts) serving a random file and keeps it up until
// Ctrl-C, printing the file's URL and CRC-64 for bench/ab.ts and for profiling the CLI by hand:
//   node --conditions=@resumable/source --import tsx bench/serve-nginx.ts [--mib 1024]
import { parseArgs } from 'node:util'
import { startNginx } from './support/nginx.ts'

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' } } })
const nginx = await startNginx({ 'object.bin': Number(values.mib) })
console.log(JSON.stringify({ url: `${nginx.url}/object.bin`, crc: nginx.crcs['object.bin'] }))
const stop = () => void nginx.stop().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
setInterval(() => undefined, 1 << 30)
