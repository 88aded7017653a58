/**
 * The URL without its `user:password@` and its query string (a presigned URL's signature), for
 * messages. The userinfo ends at the authority's last `@`, as URL parsers read it: a password
 * holding a stray `@` is hidden whole.
 */
export function redactUrl(text: string): string {
  return text.replace(/^([^:/?#]*:\/\/)[^/?#]*@/s, '$1…@').replace(/\?.*$/s, '?…')
}
