// Child process: one plain SDK download to a file, the way their users write it without us.
// argv[2] is JSON { sdk: 'ali-oss' | 'aws-sdk', url, key, dest }. Prints { ms, maxRssMiB }.
import { createWriteStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { benchAliOssClient } from './ali-oss-client.ts'

interface SdkSpec {
  readonly sdk: 'ali-oss' | 'aws-sdk'
  readonly url: string
  readonly key: string
  readonly dest: string
}

const spec = JSON.parse(process.argv[2] ?? '{}') as SdkSpec

async function aliOssGet(): Promise<void> {
  const client = await benchAliOssClient(spec.url, { timeout: 600_000 })
  await client.get(spec.key, spec.dest)
}

async function awsSdkGet(): Promise<void> {
  const client = new S3Client({
    endpoint: spec.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' },
  })
  const response = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: spec.key }))
  await pipeline(response.Body as Readable, createWriteStream(spec.dest))
  client.destroy()
}

const started = performance.now()
await (spec.sdk === 'ali-oss' ? aliOssGet() : awsSdkGet())
const ms = performance.now() - started
process.stdout.write(
  `${JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
)
