import { OptionsError } from '@resumable/core'
import { renewingCredentials, stsFailure } from './sts-credentials.ts'
import {
  checkedArn,
  checkedSession,
  postSts,
  type StsSessionOptions,
  sessionForm,
  stsQuery,
} from './sts-session.ts'
import type { CredentialsProvider } from './types.ts'

/** Options of {@link oidcRoleCredentials}. */
export interface OidcRoleOptions extends StsSessionOptions {
  /** The OIDC identity provider, `acs:ram::<account>:oidc-provider/<name>` (`ALIBABA_CLOUD_OIDC_PROVIDER_ARN`). */
  readonly oidcProviderArn: string
  /**
   * Returns the OIDC token (a JWT), asked again before every renewal: Kubernetes rewrites a
   * projected service-account token file (`ALIBABA_CLOUD_OIDC_TOKEN_FILE`) before it expires.
   */
  readonly oidcToken: () => string | Promise<string>
}

/**
 * Credentials of a RAM role assumed with an OIDC token through STS `AssumeRoleWithOIDC`: RRSA on
 * Alibaba Cloud's Kubernetes (ACK), or any platform that mints OIDC tokens for its jobs. The
 * request needs no signature (the token is the proof). The answer is reused until shortly before
 * its `Expiration`, concurrent callers share one request, and the token is read again for each
 * renewal. Reaches STS through `wire` (on Node, the Node wire and its proxies); errors never show
 * the token or the credentials.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises'
 * import { createOssTransport, oidcRoleCredentials } from '@resumable/transport-fetch'
 * const credentials = oidcRoleCredentials({
 *   roleArn: process.env.ALIBABA_CLOUD_ROLE_ARN!,
 *   oidcProviderArn: process.env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN!,
 *   oidcToken: () => readFile(process.env.ALIBABA_CLOUD_OIDC_TOKEN_FILE!, 'utf8'),
 *   region: 'cn-hangzhou',
 * })
 * const transport = createOssTransport({ region: 'cn-hangzhou', bucket: 'b', key: 'k', credentials })
 * ```
 */
export function oidcRoleCredentials(options: OidcRoleOptions): CredentialsProvider {
  const session = checkedSession(options)
  const oidcProviderArn = checkedArn('oidcProviderArn', options.oidcProviderArn, 'oidc-provider')
  const { oidcToken } = options
  if (typeof oidcToken !== 'function')
    throw new OptionsError('oidcToken', 'must be a function that returns the OIDC token')
  const role = `the RAM role "${session.roleArn}"`
  return renewingCredentials(async () => {
    const token = (await readToken(oidcToken, role)).trim()
    if (token.length < 4)
      throw stsFailure(`the OIDC token for ${role} is empty: nothing to send to STS`, false)
    const form = { ...sessionForm(session), OIDCProviderArn: oidcProviderArn, OIDCToken: token }
    const what = `let ${role} be assumed with the OIDC token`
    return postSts(session, stsQuery('AssumeRoleWithOIDC'), form, what, [token])
  }, session.refreshMarginMs)
}

async function readToken(oidcToken: OidcRoleOptions['oidcToken'], role: string): Promise<string> {
  try {
    return await oidcToken()
  } catch (error) {
    // A missing file today (the volume not yet mounted) may be there on the next attempt.
    throw stsFailure(
      `the OIDC token for ${role} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      true,
      error,
    )
  }
}
