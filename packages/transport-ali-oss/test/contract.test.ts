// The testkit's transportContract, run twice: once with ali-oss talking to the loopback mock OSS
// over a real socket (every runtime), once with MSW's setupServer intercepting ali-oss's
// urllib/node:http requests to the real OSS host names.
import { after, before, describe, it } from 'node:test'
import { transportContract } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import OSS from 'ali-oss'
import { setupServer } from 'msw/node'
import { createAliOssTransport } from '../src/index.ts'

describe('transportContract: ali-oss (V1 signatures, verified) over the loopback mock OSS', () => {
  const servers: MockOssServer[] = []
  after(() => Promise.all(servers.map((server) => server.close())))
  const cases = transportContract(
    async ({ oss, bucket, key, credentials }) => {
      const server = await startMockOss({ oss })
      servers.push(server)
      const client = new OSS({
        endpoint: server.url,
        bucket,
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.secretAccessKey,
      })
      return createAliOssTransport(client, key)
    },
    { signed: true },
  )
  for (const c of cases) it(c.name, () => c.run())
})

describe('transportContract: ali-oss (V4 signatures, verified) intercepted by MSW', () => {
  const server = setupServer()
  before(() => server.listen({ onUnhandledRequest: 'error' }))
  after(() => server.close())
  const cases = transportContract(
    async ({ oss, bucket, key, credentials }) => {
      const { ossHandlers } = await import('@resumable/testkit')
      server.resetHandlers(...ossHandlers(oss))
      const client = new OSS({
        region: 'oss-cn-hangzhou',
        secure: true,
        authorizationV4: true,
        bucket,
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.secretAccessKey,
      })
      return createAliOssTransport(client, key)
    },
    { signed: true },
  )
  for (const c of cases) it(c.name, () => c.run())
})
