import { OptionsError } from '@resumable/core'
import type { AliOssClient } from './types.ts'

/** The bucket (or, for a custom domain without one, the host) the client sends requests to. */
export function clientBucket(client: AliOssClient): string {
  const options = client.options
  const bucket = options?.bucket
  if (typeof bucket === 'string' && bucket !== '') return bucket
  const host = options?.endpoint?.host
  if (options?.cname && typeof host === 'string' && host !== '') return host
  throw new OptionsError(
    'client',
    'the ali-oss client has no bucket: create it with { bucket } or call client.useBucket(name) first',
  )
}

/** The values to mask should they ever appear in an error message; read late: STS refreshes them. */
export function clientSecrets(client: AliOssClient): (string | undefined)[] {
  const options = client.options
  return [options?.accessKeySecret, options?.stsToken, options?.accessKeyId]
}

const warned = new WeakSet<object>()

/** Warns once per client when ali-oss would retry on its own, multiplying core's retries. */
export function warnAboutClientRetries(
  client: AliOssClient,
  warn: (message: string) => void,
): void {
  const retryMax = client.options?.retryMax
  if (typeof retryMax !== 'number' || retryMax <= 0 || warned.has(client)) return
  warned.add(client)
  warn(
    `[@resumable/transport-ali-oss] the ali-oss client has retryMax ${retryMax}: ali-oss then ` +
      "retries network errors itself on top of the download's own retries. Create the client " +
      'with retryMax: 0 (the default) and tune `retries` on download() instead.',
  )
}

/** The client refreshes its STS token itself (`refreshSTSToken`): an expired token can be cured by a retry. */
export function canRefreshSts(client: AliOssClient): boolean {
  return (
    typeof client.options?.stsToken === 'string' &&
    typeof client.options.refreshSTSToken === 'function'
  )
}

/**
 * Makes ali-oss refresh the STS token before the next call through `calls` (the transport's own
 * view of the client). ali-oss refreshes only once `refreshSTSTokenInterval` has passed since the
 * last refresh; an epoch timestamp makes that true now. Only the view's timestamp changes; the
 * fresh credentials land in the client's options, as ali-oss's own refresh does.
 */
export function expireStsToken(calls: AliOssClient): void {
  Object.defineProperty(calls, 'stsTokenFreshTime', {
    value: new Date(0),
    writable: true,
    configurable: true,
    enumerable: false,
  })
}
