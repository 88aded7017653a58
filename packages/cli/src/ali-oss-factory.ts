import type { Transport } from '@resumable/core'
import { UsageError } from './command-line.ts'
import type { AliOssFactory, SourceFlags } from './sources.ts'

/** ali-oss's default `refreshSTSTokenInterval`; passed only to keep its constructor from warning. */
const STS_REFRESH_INTERVAL_MS = 5 * 60_000

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
      // Without either refresh option, ali-oss's constructor prints a console.warn about them,
      // which breaks --quiet and the --json event stream. The interval is read only when
      // `refreshSTSToken` is a function, which it never is here: this is ali-oss's own default
      // (5 minutes), so nothing changes but the silence. The token is used as given, never refreshed.
      ...(env.OSS_SESSION_TOKEN ? { refreshSTSTokenInterval: STS_REFRESH_INTERVAL_MS } : {}),
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
