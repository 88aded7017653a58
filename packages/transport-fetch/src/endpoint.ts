import { OptionsError } from '@resumable/core'

/** Parses an endpoint given with or without a scheme (`oss-cn-hangzhou.aliyuncs.com` means https). */
export function parseEndpoint(option: string, endpoint: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new OptionsError(option, 'must be a URL or a host name')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OptionsError(option, 'must be an http(s) URL')
  }
  if (
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw new OptionsError(option, 'must be a bare origin (no path, query or credentials)')
  }
  return url
}

/** True for hosts that cannot carry a bucket sub-domain: IP literals and localhost. */
export function isBareHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) ||
    (hostname.startsWith('[') && hostname.endsWith(']'))
  )
}

/** Rejects keys a URL parser would rewrite (`.`/`..` segments) and empty ones. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '')
    throw new OptionsError('key', 'must be a non-empty string')
  if (key.split('/').some((s) => s === '.' || s === '..')) {
    throw new OptionsError(
      'key',
      'must not contain "." or ".." path segments (URLs would rewrite them)',
    )
  }
}

/** Rejects bucket names that cannot be a host label or path segment (`dns`: OSS's rules; else S3's legacy ones). */
export function checkBucket(bucket: string, dns = true): void {
  const valid = dns ? /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/ : /^[A-Za-z0-9._-]{1,255}$/
  if (typeof bucket !== 'string' || !valid.test(bucket)) {
    throw new OptionsError(
      'bucket',
      dns
        ? 'must be 3–63 characters of a-z, 0-9, "-" and "."'
        : 'must be 1–255 characters of A-Z, a-z, 0-9, ".", "-" and "_"',
    )
  }
}

/** `localhost`, 127.0.0.0/8 and `[::1]`: traffic that never leaves the machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host)
}
