import type { Env } from './alibaba-profile-source.ts'
import {
  type AwsConfigSection,
  awsConfigPath,
  awsProfileName,
  readAwsConfigFile,
} from './aws-config-file.ts'
import { redactUrl } from './redact-url.ts'
import { UsageError } from './usage-error.ts'

/**
 * The S3 endpoint configured outside the command line, as the AWS SDKs and CLI resolve it
 * (AWS SDKs and Tools Reference Guide, "Service-specific endpoints"): `AWS_ENDPOINT_URL_S3`, else
 * `AWS_ENDPOINT_URL`, else `s3`'s `endpoint_url` in the `[services …]` section the profile names,
 * else the profile's own `endpoint_url`. `ignore_configured_endpoint_urls` (the
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` variable, else the profile's setting) turns all of them
 * off. The profile is `AWS_PROFILE` (else `default`) of `AWS_CONFIG_FILE` (else `~/.aws/config`).
 * Undefined when nothing is configured; a UsageError naming the variable, or the file and profile,
 * when the endpoint that applies is not an http(s) origin or the config names a missing `services`
 * section.
 *
 * @example
 * // ~/.aws/config: [default] endpoint_url = http://127.0.0.1:9000
 * configuredS3Endpoint({ HOME: '/home/me' }) // 'http://127.0.0.1:9000'
 */
export function configuredS3Endpoint(env: Env): string | undefined {
  const ignoreFromEnv = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim()
  // The variable, when set, decides over the profile's setting (environment over config file).
  if (ignoreFromEnv && isTrue(ignoreFromEnv)) return undefined
  const envName = env.AWS_ENDPOINT_URL_S3 ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL'
  const fromEnv = env[envName] || undefined
  const path = awsConfigPath(env)
  const name = awsProfileName(env)
  const file = readAwsConfigFile(path)
  const profile = file?.profiles.get(name)
  if (!ignoreFromEnv && isTrue(profile?.settings.get('ignore_configured_endpoint_urls') ?? ''))
    return undefined
  // Checked only once it is known to apply: an ignored variable is no error.
  if (fromEnv !== undefined) return checkedEndpoint(fromEnv, envName)
  if (file === undefined || profile === undefined) return undefined
  const where = `profile "${name}" of ${path}`
  const servicesName = profile.settings.get('services')
  if (servicesName !== undefined) {
    const services = file.services.get(servicesName)
    if (services === undefined)
      throw new UsageError(
        `${where} names services "${servicesName}", but the file has no [services ${servicesName}] section`,
      )
    const s3 = serviceEndpoint(services)
    if (s3 !== undefined)
      return checkedEndpoint(s3, `s3's endpoint_url in [services ${servicesName}] (${where})`)
  }
  const global = profile.settings.get('endpoint_url')
  return global === undefined ? undefined : checkedEndpoint(global, `endpoint_url of ${where}`)
}

/** `s3 =` / `  endpoint_url = …` of a services section; no other service's applies to s3://. */
function serviceEndpoint(section: AwsConfigSection): string | undefined {
  return section.nested.get('s3')?.get('endpoint_url')
}

function isTrue(value: string): boolean {
  return /^true$/i.test(value.trim())
}

/**
 * The endpoint when it is an http(s) origin. The reference guide allows a path too, but S3
 * requests here go to the origin itself (as `--endpoint`'s), so a path would be silently lost.
 */
function checkedEndpoint(value: string, where: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  // A user:password or a query (a signature) in the file is a secret: never in a message.
  const shown = JSON.stringify(redactUrl(value))
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.host)
    throw new UsageError(
      `${where} is ${shown}, not an http(s) URL: give the scheme and host, e.g. http://127.0.0.1:9000`,
    )
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/')
    throw new UsageError(
      `${where} is ${shown}: resumable needs a bare origin (scheme, host and port; no path, query or credentials)`,
    )
  return value
}
