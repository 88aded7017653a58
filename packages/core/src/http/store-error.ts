import { base64ToBytes } from '../base64.ts'
import type { ResponseHead } from './response-head.ts'

/** The fields of an OSS or S3 `<Error>` document that a TransportError carries. */
export interface StoreErrorFields {
  /** `Code`: `NoSuchKey`, `SignatureDoesNotMatch`, `SlowDown`, … */
  readonly code?: string
  /** `Message`, human-readable. */
  readonly message?: string
  /** `RequestId`. */
  readonly requestId?: string
  /** `HostId`. */
  readonly hostId?: string
  /** OSS's detailed error code `EC`. */
  readonly ec?: string
  /**
   * S3's `ActualObjectSize` in an `InvalidRange` (416) answer: the object's size when it refused
   * the range. OSS sends none.
   */
  readonly actualObjectSize?: number
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16))
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10))
    return ENTITIES[e] ?? ''
  })
}

function element(xml: string, name: string): string | undefined {
  // Error documents are flat; a tolerant scan beats shipping an XML parser to every runtime.
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml)
  if (!m) return undefined
  const raw = (m[1] as string).replace(/^<!\[CDATA\[([\s\S]*)\]\]>$/, '$1')
  const value = decodeEntities(raw).trim()
  return value === '' ? undefined : value
}

/** A non-negative safe integer written in decimal digits, or undefined. */
function byteCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

/**
 * Parses an OSS/S3 `<Error>` XML body; undefined when `text` is not one.
 *
 * @example
 * ```ts
 * parseErrorXml('<Error><Code>NoSuchKey</Code></Error>') // { code: 'NoSuchKey' }
 * ```
 */
export function parseErrorXml(text: string): StoreErrorFields | undefined {
  if (!/<Error[\s>]/.test(text)) return undefined
  const fields = {
    code: element(text, 'Code'),
    message: element(text, 'Message'),
    requestId: element(text, 'RequestId'),
    hostId: element(text, 'HostId'),
    ec: element(text, 'EC'),
    actualObjectSize: byteCount(element(text, 'ActualObjectSize')),
  }
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as StoreErrorFields
}

/** Decodes OSS's `x-oss-err` header: the error XML, base64-encoded, on responses without a body (HEAD). */
export function parseOssErrHeader(value: string | null | undefined): StoreErrorFields | undefined {
  if (!value) return undefined
  try {
    return parseErrorXml(new TextDecoder().decode(base64ToBytes(value.trim())))
  } catch {
    return undefined
  }
}

/** Everything known about a failed response: `fields` (or the body, or `x-oss-err`) first, then the id headers. */
export function storeErrorFields(
  head: ResponseHead,
  body: string | StoreErrorFields,
): StoreErrorFields {
  const given = typeof body === 'string' ? parseErrorXml(body) : body
  // A HEAD has no body: OSS sends the same document base64-encoded in `x-oss-err`.
  const parsed =
    (given?.code === undefined ? parseOssErrHeader(head.header('x-oss-err')) : undefined) ??
    given ??
    {}
  const requestId =
    parsed.requestId ?? head.header('x-oss-request-id') ?? head.header('x-amz-request-id')
  const hostId = parsed.hostId ?? head.header('x-amz-id-2')
  const ec = parsed.ec ?? head.header('x-oss-ec')
  return {
    ...parsed,
    ...(requestId ? { requestId } : {}),
    ...(hostId ? { hostId } : {}),
    ...(ec ? { ec } : {}),
  }
}
