import { transportContract } from '@resumable/testkit'
import { bindContract } from '@resumable/testkit/node'
import {
  createOssTransport,
  createS3Transport,
  createUrlTransport,
  presignOssUrl,
} from '@resumable/transport-fetch'

bindContract(
  'transport-fetch (URL mode): Transport contract',
  transportContract(({ fetch, bucket, key }) =>
    createUrlTransport({
      url: `https://${bucket}.oss-cn-hangzhou.aliyuncs.com/${key}`,
      fetch,
      ossRangeBehavior: true,
    }),
  ),
)
bindContract(
  'transport-fetch (URL mode with an OSS V4 presigned GET URL, signature verified): Transport contract',
  transportContract(
    async ({ fetch, bucket, key, credentials }) =>
      createUrlTransport({
        url: await presignOssUrl({
          bucket,
          key,
          region: 'cn-hangzhou',
          credentials,
          expiresIn: 600,
        }),
        fetch,
      }),
    { signed: true },
  ),
)
bindContract(
  'transport-fetch (OSS V4 mode, signatures verified): Transport contract',
  transportContract(
    ({ fetch, bucket, key, credentials }) =>
      createOssTransport({ bucket, key, region: 'cn-hangzhou', credentials, fetch }),
    { signed: true },
  ),
)
bindContract(
  'transport-fetch (S3 SigV4 mode, OSS S3-compatible endpoint, signatures verified): Transport contract',
  transportContract(
    ({ fetch, bucket, key, credentials }) =>
      createS3Transport({
        bucket,
        key,
        endpoint: 'https://s3.oss-cn-hangzhou.aliyuncs.com',
        credentials,
        fetch,
      }),
    { signed: true },
  ),
)
