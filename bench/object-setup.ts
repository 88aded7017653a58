// What a batch pays per object before any byte moves, in the transport (issue 14): an S3
// transport made for the object and one GET signed (SigV4), as `resumable get s3://… --recursive`
// does for each small object. No network: a wire that answers nothing is never called.
// Prints CPU µs per object for each round (the first includes warm-up). A/B: bundle this file
// from the old and the new tree (esbuild --bundle --platform=node --conditions=@resumable/source)
// and run the two bundles in alternation.
//   node --conditions=@resumable/source --import tsx bench/object-setup.ts [objects] [rounds]
import { createS3Transport } from '@resumable/transport-fetch'
import { RequestHeaders } from '../packages/transport-fetch/src/request-headers.ts'
import { createS3Signer } from '../packages/transport-fetch/src/s3-signer.ts'

const count = Number(process.argv[2] ?? 20000)
const rounds = Number(process.argv[3] ?? 5)
const credentials = { accessKeyId: 'bench-ak', secretAccessKey: 'bench-secret-key' }
const sign = createS3Signer({ region: 'us-east-1' })
const never = (): never => {
  throw new Error('no request in this benchmark')
}

const keys = Array.from({ length: count }, (_, i) => `small/${String(i).padStart(5, '0')}.bin`)
const perObject = (from: NodeJS.CpuUsage): string => {
  const used = process.cpuUsage(from)
  return ((used.user + used.system) / count).toFixed(1)
}

for (let round = 1; round <= rounds; round++) {
  let cpu = process.cpuUsage()
  let made = 0
  for (const key of keys) {
    const transport = createS3Transport({
      bucket: 'bench',
      key,
      endpoint: 'http://127.0.0.1:9000',
      credentials,
      fetch: never,
    })
    made += transport.id.length
  }
  const transports = perObject(cpu)
  cpu = process.cpuUsage()
  for (const key of keys) {
    const url = new URL(`http://127.0.0.1:9000/bench/${key}`)
    const headers = new RequestHeaders({ range: 'bytes=0-65535', 'accept-encoding': 'identity' })
    await sign({ method: 'GET', url, query: [], headers, date: new Date() }, credentials)
  }
  const signing = perObject(cpu)
  if (made === 0) throw new Error('unreachable')
  console.log(`round ${round}: transport ${transports} µs, signing ${signing} µs CPU per object`)
}
