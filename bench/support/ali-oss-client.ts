// The ali-oss client both benchmark children use, so ours and the plain SDK run talk to the mock
// with identical settings.
import type OSS from 'ali-oss'

/** An ali-oss client for bucket `bench` on the loopback mock at `endpoint` (OSS V4 signing). */
export async function benchAliOssClient(
  endpoint: string,
  extra: Partial<OSS.Options> = {},
): Promise<OSS> {
  // Loaded only when used, so the fetch runs' memory figures carry no ali-oss.
  const { default: AliOss } = await import('ali-oss')
  return new AliOss({
    bucket: 'bench',
    endpoint,
    secure: false,
    accessKeyId: 'bench',
    accessKeySecret: 'bench-secret',
    authorizationV4: true,
    ...extra,
  } as OSS.Options)
}
