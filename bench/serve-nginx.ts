// Starts loopback nginx (bench/support/nginx.ts) serving a random file and keeps it up until
// Ctrl-C, printing the file's URL and CRC-64 for bench/ab.ts and for profiling the CLI by hand;
// with `--cap-mb`, the URL is the file's under a per-connection cap (nginx `limit_rate`, MB/s),
// and with `--uneven` too, the file's where one connection in five gets a tenth of the cap:
//   node --conditions=@resumable/source --import tsx bench/serve-nginx.ts [--mib 1024] [--cap-mb 20] [--uneven]
import { parseArgs } from 'node:util'
import { startNginx } from './support/nginx.ts'

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    'cap-mb': { type: 'string' },
    uneven: { type: 'boolean', default: false },
  },
})
const cap = values['cap-mb'] === undefined ? undefined : Number(values['cap-mb']) * 1_000_000
const nginx = await startNginx({ 'object.bin': Number(values.mib) }, cap)
const where = cap === undefined ? '' : values.uneven ? 'uneven/' : 'cap/'
const url = `${nginx.url}/${where}object.bin`
console.log(JSON.stringify({ url, crc: nginx.crcs['object.bin'] }))
const stop = () => void nginx.stop().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
setInterval(() => undefined, 1 << 30)
