import type { Transport } from '@resumable/core'
import {
  createOssTransport,
  createS3Transport,
  createUrlTransport,
} from '@resumable/transport-fetch'
import { UsageError } from './command-line.ts'

/** A parsed `<source>` argument. */
export type Source =
  | { readonly scheme: 'oss' | 's3'; readonly bucket: string; readonly key: string }
  | { readonly scheme: 'http'; readonly url: string }

/** Flags that shape how a source is reached. */
export interface SourceFlags {
  readonly endpoint: string | undefined
  readonly region: string | undefined
  readonly versionId: string | undefined
  readonly transport: 'ali-oss' | 'fetch' | undefined
  readonly pathStyle: boolean
}

/** Builds an ali-oss Transport; loaded lazily so the CLI runs where ali-oss is not installed. */
export type AliOssFactory = (
  source: { bucket: string; key: string },
  flags: SourceFlags,
) => Promise<Transport>

/** Parses `oss://bucket/key`, `s3://bucket/key` or an http(s) URL. */
export function parseSource(text: string): Source {
  const cloud = /^(oss|s3):\/\/([^/]+)\/(.+)$/.exec(text)
  if (cloud)
    return { scheme: cloud[1] as 'oss' | 's3', bucket: cloud[2] as string, key: cloud[3] as string }
  if (/^(oss|s3):\/\//.test(text))
    throw new UsageError(`source "${text}" must look like oss://bucket/key`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(
      `source "${redactUrl(text)}" is not oss://bucket/key, s3://bucket/key or an http(s) URL`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `unsupported source scheme "${url.protocol}" (use oss://, s3://, http:// or https://)`,
    )
  }
  return { scheme: 'http', url: text }
}

/** Creates the Transport for a source, reading credentials from the environment. */
export async function createTransport(
  source: Source,
  flags: SourceFlags,
  env: Readonly<Record<string, string | undefined>>,
  aliOss: AliOssFactory,
): Promise<Transport> {
  const versionId = flags.versionId
  switch (source.scheme) {
    case 'http':
      if (flags.transport === 'ali-oss')
        throw new UsageError('--transport ali-oss needs an oss:// source')
      return createUrlTransport({ url: source.url })
    case 's3':
      if (flags.transport === 'ali-oss')
        throw new UsageError('--transport ali-oss needs an oss:// source')
      return createS3Transport({
        bucket: source.bucket,
        key: source.key,
        ...optional('region', flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION),
        ...optional('endpoint', flags.endpoint ?? env.AWS_ENDPOINT_URL),
        ...optional('versionId', versionId),
        forcePathStyle: flags.pathStyle,
      })
    case 'oss': {
      const region = flags.region ?? env.OSS_REGION
      const endpoint = flags.endpoint ?? env.OSS_ENDPOINT
      if (region === undefined && endpoint === undefined) {
        throw new UsageError(
          'oss:// needs --region (e.g. cn-hangzhou) or --endpoint (or OSS_REGION / OSS_ENDPOINT)',
        )
      }
      if (flags.transport === 'fetch') {
        return createOssTransport({
          bucket: source.bucket,
          key: source.key,
          ...optional('region', region),
          ...optional('endpoint', endpoint),
          ...optional('versionId', versionId),
        })
      }
      return aliOss({ bucket: source.bucket, key: source.key }, { ...flags, region, endpoint })
    }
  }
}

/** The URL without its query string and credentials, for messages. */
export function redactUrl(text: string): string {
  return text.replace(/\?.*$/s, '?…').replace(/\/\/[^/@]*@/, '//…@')
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}
