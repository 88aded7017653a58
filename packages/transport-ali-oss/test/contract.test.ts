// The testkit's contract suites for transport-ali-oss: a real ali-oss client (node:http) against
// the mock OSS on a loopback socket, V1 signatures verified, on every runtime; and once with MSW's
// setupServer intercepting ali-oss's requests to the real OSS host names (V4 signatures).
import {
  type TransportCapabilities,
  type TransportContext,
  transportContract,
  transportDownloadContract,
} from '@resumable/testkit'
import { bindContract, startMockOss } from '@resumable/testkit/node'
import { createOssTransport } from '@resumable/transport-fetch'
import OSS from 'ali-oss'
import { setupServer } from 'msw/node'
import { createAliOssTransport } from '../src/index.ts'

const signedOss: TransportCapabilities = {
  signed: true,
  flavour: 'oss',
  // Checkpoints carry the id: either OSS transport must resume the other's download.
  expectedId: ({ bucket, key, credentials }) =>
    createOssTransport({ bucket, key, region: 'cn-hangzhou', credentials }).id,
}
const capabilities: TransportCapabilities = { ...signedOss, serve: startMockOss }

const overLoopback = ({ origin, bucket, key, credentials }: TransportContext) =>
  createAliOssTransport(
    new OSS({
      endpoint: origin ?? '',
      bucket,
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.secretAccessKey,
    }),
    key,
  )

bindContract(
  'transport-ali-oss (V1 signatures, verified) over the loopback mock OSS: Transport contract',
  transportContract(overLoopback, capabilities),
)
bindContract(
  'transport-ali-oss (V1 signatures, verified) over the loopback mock OSS through download(): Transport download contract',
  transportDownloadContract(overLoopback, capabilities),
)

const msw = setupServer()
bindContract(
  'transport-ali-oss (V4 signatures, verified) intercepted by MSW: Transport contract',
  transportContract(async ({ oss, bucket, key, credentials }) => {
    const { ossHandlers } = await import('@resumable/testkit')
    msw.resetHandlers(...ossHandlers(oss))
    return createAliOssTransport(
      new OSS({
        region: 'oss-cn-hangzhou',
        secure: true,
        authorizationV4: true,
        bucket,
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.secretAccessKey,
      }),
      key,
    )
  }, signedOss),
  { before: () => msw.listen({ onUnhandledRequest: 'error' }), after: () => msw.close() },
)
