/**
 * Which store the mock answers as. S3 and OSS share the REST shape but differ in headers
 * (`x-amz-*` vs `x-oss-*`), error bodies and messages; a client must be tested against the one it
 * talks to.
 */
export type StoreDialect = 'oss' | 's3'

/**
 * The dialect a request is answered in: the model's fixed `dialect` when it has one, else S3's for
 * a request that speaks SigV4 (signed header or presigned query, or the SigV4-only `x-amz-date` /
 * `x-amz-content-sha256` headers) and OSS's for every other, signed or anonymous.
 */
export function requestDialect(fixed: StoreDialect | undefined, request: Request): StoreDialect {
  if (fixed !== undefined) return fixed
  const auth = request.headers.get('authorization') ?? ''
  const sigV4 =
    auth.startsWith('AWS4-HMAC-SHA256') ||
    request.headers.has('x-amz-date') ||
    request.headers.has('x-amz-content-sha256') ||
    new URL(request.url).searchParams.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256'
  return sigV4 ? 's3' : 'oss'
}
