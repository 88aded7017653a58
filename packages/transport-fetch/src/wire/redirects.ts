import type { WireRequest, WireResponse } from './wire.ts'

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** Hops followed before giving up, as fetch. */
export const MAX_REDIRECTS = 20

/**
 * Headers that must not reach another origin: credentials, every signing header, and the names
 * in `keepHome` (a caller's own credential, such as GitLab's `Private-Token`, which no wire can
 * recognise by its name).
 */
export function crossOriginHeaders(
  headers: Readonly<Record<string, string>>,
  keepHome?: ReadonlySet<string>,
): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization' || name === 'proxy-authorization' || name === 'cookie') continue
    if (name === 'host' || name.startsWith('x-amz-') || name.startsWith('x-oss-')) continue
    if (keepHome?.has(name)) continue
    kept[name] = value
  }
  return kept
}

/**
 * Sends `request` through `sendHop` (one request, no redirect followed) and follows 301, 302, 303,
 * 307 and 308 as fetch does: at most {@link MAX_REDIRECTS} hops, a 303 (or a 301/302 of a POST)
 * as a GET without the body, and {@link crossOriginHeaders} only once a hop leaves the request's
 * origin, for good: a redirect back home does not bring the credentials back. A `Location` with
 * a user name or password is refused rather than obeyed: a server does not get to choose
 * credentials.
 *
 * @example
 * ```ts
 * const response = await followRedirects((hop) => wire.send(hop), request, new Set(['private-token']))
 * ```
 */
export async function followRedirects<Response extends WireResponse>(
  sendHop: (hop: WireRequest) => Promise<Response>,
  request: WireRequest,
  keepHome?: ReadonlySet<string>,
): Promise<Response> {
  let hop: WireRequest = { ...request, redirect: 'manual' }
  let left = false
  for (let hops = 0; ; hops++) {
    const response = await sendHop(hop)
    const location = response.header('location')
    if (!REDIRECT_STATUSES.has(response.status) || location === undefined) return response
    // Parsed only once there is a redirect: most requests have none.
    const home = new URL(request.url).origin
    await response.discard()
    if (hops === MAX_REDIRECTS) {
      throw Object.assign(new TypeError('redirect count exceeded'), {
        code: 'ERR_TOO_MANY_REDIRECTS',
      })
    }
    const next = new URL(location, hop.url)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new TypeError(`redirect to an unsupported protocol ${next.protocol}`)
    }
    if (next.username !== '' || next.password !== '') {
      throw new TypeError('redirect to a URL with a user name or password')
    }
    next.hash = ''
    let { method, body, headers } = hop
    if (!left && next.origin !== home) {
      left = true
      headers = crossOriginHeaders(headers, keepHome)
    }
    if (method === 'POST' && [301, 302, 303].includes(response.status)) {
      method = 'GET'
      body = undefined
      const { 'content-type': _type, 'content-length': _length, ...rest } = headers
      headers = rest
    }
    hop = { ...hop, method, body, headers, url: next.href }
  }
}
