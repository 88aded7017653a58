import type { ListedObject } from '@resumable/core'
import { TransportError } from '@resumable/core'

/** One element of a parsed document: its name, its text (concatenated) and its child elements. */
export interface XmlElement {
  readonly name: string
  text: string
  readonly children: XmlElement[]
}

/** One page of a ListObjectsV2 answer. */
export interface ListPage {
  readonly objects: readonly ListedObject[]
  readonly truncated: boolean
  /** Present when `truncated`: the token that asks for the next page. */
  readonly nextToken: string | undefined
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
}

/** Decodes the five predefined entities and character references; refuses any other entity. */
export function decodeEntities(text: string): string {
  return text.replace(
    /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);|&/g,
    (whole, body: string | undefined) => {
      if (body === undefined) throw new Error('a bare "&" in text')
      if (body.startsWith('#x')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16))
      if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10))
      const named = NAMED[body]
      if (named === undefined) throw new Error(`unknown entity ${whole}`)
      return named
    },
  )
}

const TOKEN =
  /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g

/**
 * Parses a small, flat XML document (a ListBucketResult) into elements. Not a general parser: no
 * DTD, no namespaces beyond ignoring `xmlns`, and anything malformed throws — a listing that
 * cannot be read exactly must not be guessed at.
 */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', text: '', children: [] }
  const stack: XmlElement[] = [root]
  for (const match of text.matchAll(TOKEN)) {
    const [, cdata, closing, name, , selfClosing, chars, stray] = match
    const top = stack[stack.length - 1] as XmlElement
    if (stray !== undefined) throw new Error('a "<" that starts no tag')
    if (cdata !== undefined) top.text += cdata
    else if (chars !== undefined) top.text += decodeEntities(chars)
    else if (name !== undefined) {
      if (closing === '/') {
        if (top.name !== name || stack.length === 1)
          throw new Error(`</${name}> closes <${top.name}>`)
        stack.pop()
      } else {
        const element: XmlElement = { name, text: '', children: [] }
        top.children.push(element)
        if (selfClosing !== '/') stack.push(element)
      }
    }
  }
  if (stack.length !== 1)
    throw new Error(`<${(stack[stack.length - 1] as XmlElement).name}> is never closed`)
  return root
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name)
}

/** `+` as a space, then percent-decoding: what `encoding-type=url` answers (botocore: unquote_plus). */
export function urlDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '))
}

/**
 * Reads one ListObjectsV2 page (OSS or S3: the same element names). Keys are url-decoded when the
 * answer says `EncodingType` url, and so is `NextContinuationToken` when `tokenUrlEncoded` (OSS
 * encodes it, S3 does not). Throws a non-retryable protocol TransportError on anything that is
 * not a well-formed ListBucketResult.
 */
export function parseListPage(xml: string, describe: string, tokenUrlEncoded = false): ListPage {
  const bad = (why: string): never => {
    throw new TransportError('protocol', `${describe}: unreadable ListObjectsV2 answer (${why})`, {
      retryable: false,
    })
  }
  let document: XmlElement
  try {
    document = parseXml(xml)
  } catch (error) {
    return bad(error instanceof Error ? error.message : String(error))
  }
  const result = child(document, 'ListBucketResult') ?? bad('no ListBucketResult element')
  const encoded = child(result, 'EncodingType')?.text.trim().toLowerCase() === 'url'
  const decode = (text: string, what = 'a key'): string => {
    if (!encoded) return text
    try {
      return urlDecode(text)
    } catch {
      return bad(`${what} is not valid url encoding: ${JSON.stringify(text)}`)
    }
  }
  const truncatedText = child(result, 'IsTruncated')?.text.trim()
  if (truncatedText !== 'true' && truncatedText !== 'false') bad('IsTruncated is not true or false')
  const truncated = truncatedText === 'true'
  const tokenText = child(result, 'NextContinuationToken')?.text
  if (truncated && !tokenText) bad('IsTruncated is true but there is no NextContinuationToken')
  const nextToken =
    tokenText && tokenUrlEncoded ? decode(tokenText, 'NextContinuationToken') : tokenText
  const objects: ListedObject[] = []
  for (const entry of result.children) {
    if (entry.name !== 'Contents') continue
    const keyElement = child(entry, 'Key') ?? bad('a Contents element without a Key')
    const sizeText = child(entry, 'Size')?.text.trim()
    const size = sizeText === undefined ? undefined : Number(sizeText)
    if (sizeText !== undefined && (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(size)))
      bad(`Size ${JSON.stringify(sizeText)} is not a byte count`)
    const etag = child(entry, 'ETag')?.text
    const lastModified = child(entry, 'LastModified')?.text.trim()
    const storageClass = child(entry, 'StorageClass')?.text.trim()
    objects.push({
      key: decode(keyElement.text),
      ...(size === undefined ? {} : { size }),
      ...(etag ? { etag } : {}),
      ...(lastModified ? { lastModified } : {}),
      ...(storageClass ? { storageClass } : {}),
    })
  }
  return { objects, truncated, nextToken: truncated ? nextToken : undefined }
}
