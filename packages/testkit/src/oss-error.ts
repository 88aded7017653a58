/** Escapes text for an XML element's content (a Range header is the client's, not ours). */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * OSS's XML error body, and for HEAD (no body) the same XML base64-encoded in `x-oss-err`.
 * `details` are elements between `Message` and `RequestId`, in order, as S3 places its own
 * (`RangeRequested`, `ActualObjectSize` in an `InvalidRange`).
 */
export function ossError(
  method: string,
  status: number,
  code: string,
  message: string,
  requestId: string,
  hostId: string,
  extraHeaders: Record<string, string> = {},
  details: readonly (readonly [string, string])[] = [],
): Response {
  const ec = `0${status === 404 ? '026' : status === 403 ? '003' : '002'}-00000001`
  const more = details.map(([name, value]) => `  <${name}>${xmlText(value)}</${name}>\n`).join('')
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${message}</Message>\n${more}` +
    `  <RequestId>${requestId}</RequestId>\n  <HostId>${hostId}</HostId>\n  <EC>${ec}</EC>\n</Error>\n`
  const headers: Record<string, string> = {
    'content-type': 'application/xml',
    'x-oss-request-id': requestId,
    'x-oss-ec': ec,
    ...extraHeaders,
  }
  if (method === 'HEAD') {
    headers['x-oss-err'] = btoa(xml)
    return new Response(null, { status, headers })
  }
  return new Response(xml, { status, headers })
}
