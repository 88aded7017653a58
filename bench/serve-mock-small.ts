// Starts the loopback mock (S3 and OSS) holding `--small` objects of 64 KiB under `small/` and keeps
// it up until Ctrl-C, printing its URL: for profiling and A/B-timing the CLI by hand on small
// objects without bench:batch's rounds, e.g.
//   node --conditions=@resumable/source --import tsx bench/serve-mock-small.ts --small 3000
//   AWS_ACCESS_KEY_ID=bench-ak AWS_SECRET_ACCESS_KEY=bench-secret-key \
//     node --cpu-prof bench/.dist/cli-node/bin.mjs get s3://bench/small/ <dest> --recursive \
//     --quiet --concurrency 16 --endpoint <url>
import { parseArgs } from 'node:util'
import { MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'

const { values } = parseArgs({ options: { small: { type: 'string', default: '3000' } } })
const oss = new MockOss({
  credentials: { accessKeyId: 'bench-ak', secretAccessKey: 'bench-secret-key' },
})
for (let i = 0; i < Number(values.small); i++)
  oss.putObject('bench', `small/${String(i).padStart(5, '0')}.bin`, {
    generated: { size: 64 * 1024, seed: i + 1 },
    multipartParts: 1,
  })
const server = await startMockOss({ oss })
console.log(JSON.stringify({ url: server.url }))
