import {
  backoffDelay,
  type ListedObject,
  type Lister,
  sleep,
  TransportError,
} from '@resumable/core'
import { abortable } from './abortable.ts'
import { clientBucket, clientSecrets } from './client-info.ts'
import { fromAliOssError } from './map-error.ts'
import type { AliOssClient } from './types.ts'

/** The ali-oss `listV2` call (ali-oss ≥ 6.10), as this package uses it. */
export interface AliOssListV2Client extends AliOssClient {
  listV2(
    query: Readonly<Record<string, string | number>>,
    options?: { readonly timeout?: number },
  ): Promise<{
    readonly objects?:
      | readonly {
          readonly name: string
          readonly size: number
          readonly etag?: string
          readonly lastModified?: string
          readonly storageClass?: string
        }[]
      | null
    readonly isTruncated: boolean
    readonly nextContinuationToken?: string | null
  }>
}

/** Options of `createAliOssLister`. */
export interface AliOssListerOptions {
  /** Only keys that start with this. @default '' */
  readonly prefix?: string
  /** Start after this key. */
  readonly startAfter?: string
  /** Keys per page, 1–1000. @default 1000 */
  readonly maxKeys?: number
  /** Attempts per page after the first, on retryable errors. @default 5 */
  readonly retries?: number
  /** Base of the full-jitter exponential backoff. @default 200 */
  readonly retryBaseDelayMs?: number
  /** Per-request timeout passed to ali-oss, ms. */
  readonly timeout?: number
}

/**
 * A Lister over your own ali-oss client's `listV2` (OSS ListObjectsV2), asking for
 * `encoding-type=url` and decoding keys itself (ali-oss does not), so any key — control
 * characters included — survives the XML. Errors map exactly like the transport's.
 *
 * @example
 * ```ts
 * const lister = createAliOssLister(new OSS({ region: 'oss-cn-hangzhou', bucket: 'b', … }), { prefix: 'logs/' })
 * for await (const object of lister.list()) console.log(object.key)
 * ```
 */
export function createAliOssLister(
  client: AliOssListV2Client,
  options: AliOssListerOptions = {},
): Lister & { readonly id: string } {
  if (typeof client?.listV2 !== 'function')
    throw new TransportError(
      'invalid-request',
      'the ali-oss client has no listV2 (ali-oss ≥ 6.10 needed)',
      {
        retryable: false,
      },
    )
  const bucket = clientBucket(client)
  const maxKeys = options.maxKeys ?? 1000
  const id = `oss://${bucket}/${options.prefix ?? ''}`
  return {
    id,
    async *list({ signal } = {}): AsyncIterable<ListedObject> {
      let token: string | undefined
      let page = 0
      do {
        const query: Record<string, string | number> = {
          'encoding-type': 'url',
          'max-keys': maxKeys,
          ...(options.prefix ? { prefix: options.prefix } : {}),
          ...(token !== undefined
            ? { 'continuation-token': token }
            : options.startAfter
              ? { 'start-after': options.startAfter }
              : {}),
        }
        page++
        const describe = `ListObjectsV2 ${id} page ${page}`
        const result = await withRetries(options, signal, async () => {
          try {
            const call = client.listV2(
              query,
              options.timeout === undefined ? {} : { timeout: options.timeout },
            )
            return await abortable(call, signal, () => undefined)
          } catch (error) {
            if (signal?.aborted) throw signal.reason
            throw fromAliOssError(error, {
              describe,
              secrets: clientSecrets(client),
              rotatingCredentials: false,
            })
          }
        })
        for (const o of result.objects ?? []) {
          let key: string
          try {
            key = decodeURIComponent(o.name.replace(/\+/g, ' '))
          } catch {
            throw new TransportError('protocol', `${describe}: a key is not valid url encoding`, {
              retryable: false,
            })
          }
          yield {
            key,
            size: o.size,
            ...(o.etag ? { etag: o.etag } : {}),
            ...(o.lastModified ? { lastModified: o.lastModified } : {}),
            ...(o.storageClass ? { storageClass: o.storageClass } : {}),
          }
        }
        // Under encoding-type=url OSS encodes the token too (its SDKs decode it; ali-oss does not).
        token = result.isTruncated
          ? decodeToken(result.nextContinuationToken ?? undefined, describe)
          : undefined
        if (result.isTruncated && token === undefined)
          throw new TransportError(
            'protocol',
            `${describe}: truncated but no NextContinuationToken`,
            {
              retryable: false,
            },
          )
      } while (token !== undefined)
    },
  }
}

/** `NextContinuationToken` as OSS wants it back: url-decoded, as the keys are. */
function decodeToken(token: string | undefined, describe: string): string | undefined {
  if (token === undefined) return undefined
  try {
    return decodeURIComponent(token.replace(/\+/g, ' '))
  } catch {
    throw new TransportError(
      'protocol',
      `${describe}: NextContinuationToken is not valid url encoding`,
      { retryable: false },
    )
  }
}

async function withRetries<T>(
  options: AliOssListerOptions,
  signal: AbortSignal | undefined,
  call: () => Promise<T>,
): Promise<T> {
  const retries = options.retries ?? 5
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (!(error instanceof TransportError) || !error.retryable || attempt > retries) throw error
      const delayMs = backoffDelay(
        { baseMs: options.retryBaseDelayMs ?? 200, maxMs: 20_000, random: Math.random },
        attempt,
        error.retryAfterMs,
      )
      await sleep(delayMs, signal)
    }
  }
}
