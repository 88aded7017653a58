import type { CredentialsProvider } from '@resumable/transport-fetch'
import { cached } from './aws-profile.ts'
import { wireRequestHandler } from './wire-request-handler.ts'

type Env = Readonly<Record<string, string | undefined>>
type SdkProvider = Parameters<typeof cached>[0]

/** The machine's role credentials, or (undefined) a sentence on where they were looked for and why none came. */
export type AwsRoleLookup =
  | { readonly credentials: CredentialsProvider; readonly note?: undefined }
  | { readonly credentials: undefined; readonly note: string }

const WEB_IDENTITY = 'web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)'
const CONTAINER = 'container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI)'
const METADATA_OFF = 'AWS_EC2_METADATA_DISABLED=true turns the metadata lookup off'

/**
 * The AWS default chain after the environment and the shared files, in the AWS CLI's order: web
 * identity (EKS IRSA), else container credentials (ECS, Fargate, EKS Pod Identity), else the EC2
 * instance profile (IMDSv2, v1 fallback) unless `AWS_EC2_METADATA_DISABLED`. As in the AWS CLI,
 * the first source the environment sets up decides. The AWS SDK's own providers, loaded only here
 * and asked once already, so that a machine with no role is told before anything starts.
 */
export async function lookUpAwsRoleCredentials(
  env: Env,
  region: string | undefined,
): Promise<AwsRoleLookup> {
  const source = chooseSource(env, region)
  if (typeof source === 'string') return { credentials: undefined, note: source }
  const credentials = cached(await source.load())
  try {
    await credentials()
    return { credentials }
  } catch (error) {
    const why = reason(error, env)
    return {
      credentials: undefined,
      note:
        source.name === 'metadata'
          ? `neither ${WEB_IDENTITY} nor ${CONTAINER} is set, and the EC2 instance metadata gave none (${why}; ${METADATA_OFF})`
          : `${source.name} failed: ${why}`,
    }
  }
}

function chooseSource(
  env: Env,
  region: string | undefined,
): { name: string; load: () => Promise<SdkProvider> } | string {
  const webIdentityTokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE
  const roleArn = env.AWS_ROLE_ARN
  if (webIdentityTokenFile && roleArn) {
    return {
      name: WEB_IDENTITY,
      load: async () => {
        const { fromTokenFile } = await import('@aws-sdk/credential-provider-web-identity')
        const { defaultNodeWire } = await import('@resumable/transport-fetch/node')
        // STS is asked through the Node wire, so through the proxies the download takes; the
        // SDK's own handler ignores them. Container and instance metadata stay direct: they are
        // link-local addresses no proxy reaches.
        const requestHandler = wireRequestHandler(defaultNodeWire())
        return fromTokenFile({
          webIdentityTokenFile,
          roleArn,
          ...defined('roleSessionName', env.AWS_ROLE_SESSION_NAME),
          clientConfig: { requestHandler, ...(region === undefined ? {} : { region }) },
        })
      },
    }
  }
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return {
      name: CONTAINER,
      load: async () => {
        const { fromHttp } = await import('@aws-sdk/credential-provider-http')
        // From `env`, not the SDK's own reading of process.env: tests give the CLI its environment.
        return fromHttp({
          ...defined(
            'awsContainerCredentialsRelativeUri',
            env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
          ),
          ...defined('awsContainerCredentialsFullUri', env.AWS_CONTAINER_CREDENTIALS_FULL_URI),
          ...defined('awsContainerAuthorizationToken', env.AWS_CONTAINER_AUTHORIZATION_TOKEN),
          ...defined(
            'awsContainerAuthorizationTokenFile',
            env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
          ),
        })
      },
    }
  }
  const disabled = env.AWS_EC2_METADATA_DISABLED
  if (disabled && disabled.toLowerCase() !== 'false') {
    return `neither ${WEB_IDENTITY} nor ${CONTAINER} is set, and the EC2 instance metadata lookup is off (AWS_EC2_METADATA_DISABLED)`
  }
  return {
    name: 'metadata',
    load: async () => {
      // The SDK reads AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE) from process.env itself; its
      // default timeout (1 s per request, no retry) bounds the wait off EC2.
      const { fromInstanceMetadata } = await import('@smithy/credential-provider-imds')
      return fromInstanceMetadata()
    },
  }
}

/** The SDK error's first line, short, with the container authorization token never shown. */
function reason(error: unknown, env: Env): string {
  const message = error instanceof Error ? error.message : String(error)
  let line = (message.split('\n')[0] ?? '').slice(0, 200)
  const token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN?.trim()
  if (token) line = line.split(token).join('***')
  return line || 'no answer'
}

function defined<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string }
}
