// Resumable download with ali-oss: the scenario of Alibaba Cloud's "resumable download" page
// (Java `ossClient.downloadFile`) — bucket examplebucket, object exampledir/exampleobject.txt,
// 1 MiB parts, 10 parts at once, checkpoint on; then print ETag, Last-Modified and user metadata.
//
// With OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET set it downloads from OSS (OSS_ENDPOINT, default
// https://oss-cn-hangzhou.aliyuncs.com, and OSS_REGION, default oss-cn-hangzhou). Without them it
// starts the testkit's loopback mock OSS holding that object, which drops one connection mid-body
// and throttles one request, so the retries are visible.
//
//   node --conditions=@resumable/source --import tsx examples/ali-oss/download.ts [local file]
//   npx bun --conditions=@resumable/source examples/ali-oss/download.ts [local file]
//   npx deno run -A --conditions=@resumable/source examples/ali-oss/download.ts [local file]
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { download, isTransportError } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { createAliOssTransport } from '@resumable/transport-ali-oss'
import OSS from 'ali-oss'

// Bucket name, e.g. examplebucket.
const bucketName = 'examplebucket'
// Full object path, without the bucket name, e.g. exampledir/exampleobject.txt.
const objectName = 'exampledir/exampleobject.txt'
// Full path of the local file, e.g. D:\\localpath\\examplefile.txt in the original sample.
const downloadFile = process.argv[2] ?? join(tmpdir(), 'examplefile.txt')

let mock: MockOssServer | undefined
let endpoint = process.env.OSS_ENDPOINT ?? 'https://oss-cn-hangzhou.aliyuncs.com'
let accessKeyId = process.env.OSS_ACCESS_KEY_ID
let accessKeySecret = process.env.OSS_ACCESS_KEY_SECRET
if (!accessKeyId || !accessKeySecret) {
  mock = await startMockOss()
  mock.oss.putObject(bucketName, objectName, {
    generated: { size: 8 * 1024 * 1024 + 12_345, seed: 2024 },
    // text/plain is what OSS gzips unless asked not to: the transport sends Accept-Encoding: identity.
    contentType: 'text/plain',
    metadata: { meta: 'value of x-oss-meta-meta' },
  })
  mock.oss.faults.add({
    fault: { type: 'reset', afterBytes: 300 * 1024 },
    match: { method: 'GET', ranged: true },
    skip: 2,
    times: 1,
  })
  mock.oss.faults.add({
    fault: { type: 'status', status: 503, code: 'ServiceUnavailable' },
    match: { method: 'GET', ranged: true },
    skip: 5,
    times: 1,
  })
  endpoint = mock.url
  accessKeyId = 'mock-access-key-id'
  accessKeySecret = 'mock-access-key-secret'
  console.log(
    `OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET are not set: using a mock OSS at ${endpoint}`,
  )
}

// Create the client as ali-oss users already do (STS, custom domains, … all work the same).
const client = new OSS({
  endpoint,
  region: process.env.OSS_REGION ?? 'oss-cn-hangzhou',
  authorizationV4: true,
  accessKeyId,
  accessKeySecret,
  bucket: bucketName,
})

try {
  const result = await download({
    transport: createAliOssTransport(client, objectName),
    // Overwrite the local file if it exists, as the SDKs' downloadFile does.
    target: new FileTarget(downloadFile, { overwrite: true }),
    // Checkpoint on: <file>.resumable.json records progress and is deleted on success. Run the
    // same command again after a failure and it continues from there.
    checkpoint: new FileCheckpointStore(),
    // Part size in bytes, 100 KB to 5 GB.
    partSize: 1024 * 1024,
    // 10 parts downloaded concurrently.
    concurrency: 10,
  })
  // On success, the object's metadata.
  const object = result.object
  console.log(object.etag)
  console.log(object.lastModified)
  console.log(object.metadata?.meta)
  console.log(
    `${result.bytes} bytes in ${result.partCount} parts to ${downloadFile}; ` +
      `${result.retries} retries; verified by ${result.verification.method}`,
  )
} catch (error) {
  if (isTransportError(error) && error.status !== undefined) {
    console.log(
      'Caught a TransportError, which means your request made it to OSS, ' +
        'but was rejected with an error response for some reason.',
    )
    console.log(`Error Message:${error.message}`)
    console.log(`Error Code:${error.code}`)
    console.log(`Request ID:${error.requestId}`)
    console.log(`Host ID:${error.hostId}`)
  } else {
    console.log(
      'Caught an error, which means the client encountered a serious internal problem ' +
        'while trying to communicate with OSS, such as not being able to access the network.',
    )
    console.log(`Error Message:${error instanceof Error ? error.message : String(error)}`)
  }
  process.exitCode = 1
} finally {
  await mock?.close()
}
