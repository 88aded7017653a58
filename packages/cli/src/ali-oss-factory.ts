import type { Transport } from '@resumable/core'
import { UsageError } from './command-line.ts'
import type { AliOssFactory, SourceFlags } from './sources.ts'

/** Builds an ali-oss client and transport from flags and OSS_* credentials; ali-oss loads only when used. */
export function aliOssFactory(env: Readonly<Record<string, string | undefined>>): AliOssFactory {
  return async (source, flags: SourceFlags): Promise<Transport> => {
    const accessKeyId = env.OSS_ACCESS_KEY_ID
    const accessKeySecret = env.OSS_ACCESS_KEY_SECRET
    if (!accessKeyId || !accessKeySecret) {
      throw new UsageError(
        'oss:// needs OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET in the environment (and OSS_SESSION_TOKEN for STS); --no-sign-request for a public-read bucket',
      )
    }
    const [{ default: OSS }, { createAliOssTransport }] = await Promise.all([
      import('ali-oss') as unknown as Promise<{
        default: new (options: Record<string, unknown>) => unknown
      }>,
      import('@resumable/transport-ali-oss'),
    ])
    const endpoint = flags.endpoint
    const client = new OSS({
      bucket: source.bucket,
      accessKeyId,
      accessKeySecret,
      ...(env.OSS_SESSION_TOKEN ? { stsToken: env.OSS_SESSION_TOKEN } : {}),
      ...(flags.region
        ? { region: flags.region.startsWith('oss-') ? flags.region : `oss-${flags.region}` }
        : {}),
      ...(endpoint ? { endpoint, secure: endpoint.startsWith('https:') } : { secure: true }),
      authorizationV4: true,
      retryMax: 0,
    })
    return createAliOssTransport(
      client as Parameters<typeof createAliOssTransport>[0],
      source.key,
      {
        ...(flags.versionId ? { versionId: flags.versionId } : {}),
        ...(flags.requestPayer ? { requestPayer: true } : {}),
        ...(flags.trafficLimit === undefined ? {} : { trafficLimit: flags.trafficLimit }),
      },
    )
  }
}
