import type { HeaderFields } from './request-headers.ts'

/** What one prepared request looks like on the wire. */
export interface PreparedRequest {
  /** The full URL to fetch (may carry a signed query: never shown). */
  readonly url: string
  /** Strings to mask in any message (secrets, tokens, signed query values). */
  readonly secrets: readonly string[]
}

/** The mode-specific half of a FetchTransport: where requests go and how they are signed. */
export interface WirePlan {
  /** Credential-free identity of the object. */
  readonly id: string
  /** Which store dialect: decides the range-behavior header and the checksum request. */
  readonly flavor: 'url' | 'oss' | 's3'
  /** How `stat` learns the size. */
  readonly statMethod: 'head' | 'range-get' | 'auto'
  /** Whether a `versionId` query parameter may be added (never to a presigned URL). */
  readonly canAddQuery: boolean
  /** The version the caller pinned in the options. */
  readonly versionId: string | undefined
  /** Credentials come from a provider, so an expired token may be cured by asking again. */
  readonly rotatingCredentials: boolean
  /** Whether the signature depends on our clock (so a skew can be corrected). */
  readonly signed: boolean
  /** Signed requests must not follow redirects to hosts the signature was not made for. */
  readonly redirect: RequestRedirect
  /**
   * Header names that go to the request's origin only (a caller's credential no wire recognises
   * by its name, such as GitLab's `Private-Token`): with `redirect: 'follow'`, the transport then
   * follows redirects itself (`followRedirects`), dropping these and every credential once a hop
   * leaves that origin, whatever the wire does.
   */
  readonly keepHome?: ReadonlySet<string> | undefined
  /** What a redirect that was not followed tells the user; the store's default otherwise. */
  readonly redirectAdvice?: string | undefined
  /** What to check when the request's host name does not resolve (see `networkFailure`). */
  readonly unresolvedAdvice?: string | undefined
  /** Builds the URL and signs `headers` in place for one request at `date`. */
  prepare(
    method: 'GET' | 'HEAD',
    headers: HeaderFields,
    query: readonly (readonly [string, string])[],
    date: Date,
  ): Promise<PreparedRequest>
}
