import type { ObjectInfo } from '@resumable/core'
import type { AliOssGetStreamOptions, AliOssHeadOptions } from './types.ts'

/** Per-transport settings every request carries. */
export interface RequestSettings {
  readonly versionId: string | undefined
  readonly trafficLimit: number | undefined
  readonly timeout: number | undefined
  readonly requestPayer: boolean
}

/** `x-oss-request-payer: requester` when the caller accepts a requester-pays bucket's charges. */
function payer(settings: RequestSettings): Record<string, string> {
  return settings.requestPayer ? { 'x-oss-request-payer': 'requester' } : {}
}

/** HeadObject options: identity encoding, since OSS drops Content-Length from gzipped answers. */
export function headOptions(settings: RequestSettings, ctx: object): AliOssHeadOptions {
  return {
    headers: { 'Accept-Encoding': 'identity', ...payer(settings) },
    ctx,
    ...(settings.versionId === undefined ? {} : { versionId: settings.versionId }),
    ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
  }
}

/** Ranged GetObject options; `empty` reads a zero-length object, which has no byte to name. */
export function getStreamOptions(
  settings: RequestSettings,
  ctx: object,
  range: { readonly start: number; readonly end: number; readonly empty: boolean },
  object: ObjectInfo,
): AliOssGetStreamOptions {
  const headers: Record<string, string> = { 'Accept-Encoding': 'identity', ...payer(settings) }
  if (!range.empty) {
    headers.Range = `bytes=${range.start}-${range.end}`
    // Without it OSS answers an out-of-bounds range with 200 and the whole object.
    headers['x-oss-range-behavior'] = 'standard'
  }
  if (object.etag !== undefined) headers['If-Match'] = object.etag
  if (settings.trafficLimit !== undefined) {
    headers['x-oss-traffic-limit'] = String(settings.trafficLimit)
  }
  // Every part reads the version stat saw, so parts of two versions are never mixed.
  const versionId = object.versionId ?? settings.versionId
  return {
    headers,
    ctx,
    // getStream ignores `versionId`; the query sub-resource is what reaches OSS (and is signed).
    ...(versionId === undefined ? {} : { subres: { versionId } }),
    ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
  }
}
