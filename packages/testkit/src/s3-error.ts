import { xmlText } from './oss-error.ts'

/**
 * S3's REST error (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html): an
 * `<Error>` of Code, Message, the code's own elements, RequestId and HostId — no OSS `EC` — with
 * the ids also in `x-amz-request-id` and `x-amz-id-2`. A HEAD gets the status and headers only
 * (S3 has no `x-oss-err` counterpart).
 */
export function s3Error(
  method: string,
  status: number,
  code: string,
  message: string,
  requestId: string,
  hostId: string,
  extraHeaders: Record<string, string> = {},
  details: readonly (readonly [string, string])[] = [],
): Response {
  const more = details.map(([name, value]) => `<${name}>${xmlText(value)}</${name}>`).join('')
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlText(message)}</Message>${more}` +
    `<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`
  const headers: Record<string, string> = {
    'content-type': 'application/xml',
    'x-amz-request-id': requestId,
    'x-amz-id-2': hostId,
    ...extraHeaders,
  }
  return new Response(method === 'HEAD' ? null : xml, { status, headers })
}

/**
 * The `x-amz-id-2` / HostId S3 pairs with a request id: an opaque base64 token, derived here from
 * the id so a test can tell requests apart.
 */
export function s3HostId(requestId: string): string {
  return btoa(`host-${requestId}`)
}

/**
 * What S3 says (status, code, message) where OSS says `code`, from S3's error-code list
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList). Codes S3
 * shares with OSS word for word are left out.
 */
export const S3_ERRORS: Readonly<
  Record<string, { readonly status?: number; readonly code?: string; readonly message: string }>
> = {
  AccessDenied: { message: 'Access Denied' },
  InvalidAccessKeyId: {
    message: 'The AWS Access Key Id you provided does not exist in our records.',
  },
  // OSS's STS token error; S3 refuses a bad session token as a malformed token, with a 400.
  InvalidSecurityToken: {
    status: 400,
    code: 'InvalidToken',
    message: 'The provided token is malformed or otherwise invalid.',
  },
  SignatureDoesNotMatch: {
    message:
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
  InvalidRange: { message: 'The requested range is not satisfiable' },
  NoSuchBucket: { message: 'The specified bucket does not exist' },
  PreconditionFailed: {
    message: 'At least one of the pre-conditions you specified did not hold',
  },
  InvalidObjectState: { message: "The operation is not valid for the object's storage class" },
  MethodNotAllowed: { message: 'The specified method is not allowed against this resource.' },
}
