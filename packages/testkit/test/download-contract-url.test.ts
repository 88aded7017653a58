// Binds the engine-driven contract suites for transport-fetch's URL mode from the testkit side, so
// the suites are proven on a real transport where they are defined.
import { transportDownloadContract } from '@resumable/testkit'
import { bindContract } from '@resumable/testkit/node'
import { createUrlTransport } from '@resumable/transport-fetch'

bindContract(
  'transport-fetch (URL mode) through download(): Transport download contract',
  transportDownloadContract(
    ({ fetch, bucket, key }) =>
      createUrlTransport({
        url: `https://${bucket}.oss-cn-hangzhou.aliyuncs.com/${key}`,
        fetch,
        ossRangeBehavior: true,
      }),
    {
      flavour: 'url',
      expectedId: ({ bucket, key }) => `https://${bucket}.oss-cn-hangzhou.aliyuncs.com/${key}`,
    },
  ),
)
