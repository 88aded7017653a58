import { bytesToBase64, OptionsError } from '@resumable/core'
import { encodeRfc3986 } from './encode.ts'
import { renewingCredentials } from './sts-credentials.ts'
import {
  checkedSession,
  postSts,
  type StsSessionOptions,
  sessionForm,
  stsQuery,
} from './sts-session.ts'
import type { Credentials, CredentialsProvider } from './types.ts'
import { utf8 } from './web-crypto.ts'

/** Options of {@link ramRoleArnCredentials}. */
export interface RamRoleArnOptions extends StsSessionOptions {
  /** The credentials that sign the `AssumeRole` call: a RAM user's AccessKey, or another role's. */
  readonly credentials: CredentialsProvider
  /** The external ID the role's trust policy may require (`sts:ExternalId`). */
  readonly externalId?: string
}

/**
 * Credentials of a RAM role assumed through STS `AssumeRole`, signed (RPC signature V1, HMAC-SHA1)
 * with `credentials`: the aliyun CLI's `RamRoleArn` and `ChainableRamRoleArn` profiles, or a RAM
 * user that holds only the right to assume the role that reads the bucket. Renewed before its end
 * like {@link oidcRoleCredentials}; errors never show either side's secret or token.
 *
 * @example
 * ```ts
 * import { createOssTransport, ramRoleArnCredentials } from '@resumable/transport-fetch'
 * const credentials = ramRoleArnCredentials({
 *   credentials: () => ({ accessKeyId: 'LTAI…', secretAccessKey: '…' }),
 *   roleArn: 'acs:ram::1234567890123456:role/oss-reader',
 *   region: 'cn-hangzhou',
 * })
 * const transport = createOssTransport({ region: 'cn-hangzhou', bucket: 'b', key: 'k', credentials })
 * ```
 */
export function ramRoleArnCredentials(options: RamRoleArnOptions): CredentialsProvider {
  const session = checkedSession(options)
  const { credentials: signer, externalId } = options
  if (typeof signer !== 'function')
    throw new OptionsError('credentials', 'must be a function that returns the signing credentials')
  const what = `let the RAM role "${session.roleArn}" be assumed`
  return renewingCredentials(async () => {
    const source = await signer()
    const form = {
      ...sessionForm(session),
      ...(externalId === undefined ? {} : { ExternalId: externalId }),
    }
    const query = await signedQuery(stsQuery('AssumeRole'), form, source)
    return postSts(session, query, form, what, [source.secretAccessKey, source.sessionToken ?? ''])
  }, session.refreshMarginMs)
}

/** The query with the signature parameters and the RPC signature over it and the form. */
export async function signedQuery(
  query: Readonly<Record<string, string>>,
  form: Readonly<Record<string, string>>,
  source: Credentials,
): Promise<Record<string, string>> {
  const signed: Record<string, string> = {
    ...query,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: crypto.randomUUID(),
    AccessKeyId: source.accessKeyId,
    ...(source.sessionToken ? { SecurityToken: source.sessionToken } : {}),
  }
  const signature = await rpcSignature('POST', { ...signed, ...form }, source.secretAccessKey)
  return { ...signed, Signature: signature }
}

/**
 * Alibaba Cloud's RPC signature (V1) of `params`: base64 HMAC-SHA1, keyed with `secret&`, of
 * `METHOD&%2F&` and the percent-encoded `name=value` pairs sorted by name, percent-encoded again.
 */
export async function rpcSignature(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  secret: string,
): Promise<string> {
  const canonical = Object.keys(params)
    .sort()
    .map((name) => `${encodeRfc3986(name)}=${encodeRfc3986(params[name] ?? '')}`)
    .join('&')
  const key = await crypto.subtle.importKey(
    'raw',
    utf8(`${secret}&`),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign(
    'HMAC',
    key,
    utf8(`${method}&${encodeRfc3986('/')}&${encodeRfc3986(canonical)}`),
  )
  return bytesToBase64(new Uint8Array(mac))
}
