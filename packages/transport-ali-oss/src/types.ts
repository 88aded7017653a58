// @types/ali-oss leaves out `versionId`, `subres` and `retryMax`, and types the stream as `any`:
// these interfaces name only what this package calls, so a real `new OSS(...)` (typed or not)
// fits them structurally and no `any` reaches the public surface.

/** The part of an ali-oss response this package reads. */
export interface AliOssResponse {
  /** HTTP status. */
  readonly status: number
  /** Response headers with lower-case names, as node:http delivers them. */
  readonly headers: object
}

/** Options this package passes to `client.head`. */
export interface AliOssHeadOptions {
  /** Version to describe; ali-oss turns it into the `versionId` query parameter. */
  readonly versionId?: string
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>
  /** Milliseconds until the response headers must have arrived. */
  readonly timeout?: number
  /** Request context ali-oss passes through to urllib. */
  readonly ctx?: object
}

/** Options this package passes to `client.getStream`. */
export interface AliOssGetStreamOptions {
  /** Extra request headers (`Range`, `If-Match`, …). */
  readonly headers?: Readonly<Record<string, string>>
  /** Query sub-resources; getStream ignores `versionId`, so the version travels here. */
  readonly subres?: Readonly<Record<string, string>>
  /** Milliseconds until the response headers must have arrived. */
  readonly timeout?: number
  /** Request context ali-oss passes through to urllib. */
  readonly ctx?: object
}

/** What `client.head` resolves to. */
export interface AliOssHeadResult {
  /** HTTP status (200). */
  readonly status: number
  /** Status and headers. */
  readonly res: AliOssResponse
}

/** What `client.getStream` resolves to. */
export interface AliOssGetStreamResult {
  /** The body: on Node, Deno and Bun a node:http IncomingMessage. */
  readonly stream?: unknown
  /** Status and headers. */
  readonly res: AliOssResponse
}

/** The settings of an ali-oss client this package reads (`client.options`). */
export interface AliOssClientOptions {
  /** The bucket every call goes to. */
  readonly bucket?: string | null
  /** ali-oss's own retries of network errors; 0 (the default) lets core own retries. */
  readonly retryMax?: number
  /** True when the endpoint is a custom domain bound to the bucket. */
  readonly cname?: boolean
  /** The parsed endpoint. */
  readonly endpoint?: { readonly host?: string | null } | null
  /** Read only to mask it should it ever appear in an error message. */
  readonly accessKeyId?: string
  /** Read only to mask it should it ever appear in an error message. */
  readonly accessKeySecret?: string
  /** Read only to mask it should it ever appear in an error message. */
  readonly stsToken?: string
  /** ali-oss's STS refresher: when set, an expired token is retried after a forced refresh. */
  readonly refreshSTSToken?: unknown
}

/** The structural shape of an ali-oss client (`new OSS({ … })`) that this package uses. */
export interface AliOssClient {
  /** The client's settings (present on every ali-oss client, though @types/ali-oss omits it). */
  readonly options?: AliOssClientOptions
  /** HeadObject. */
  head(name: string, options?: AliOssHeadOptions): Promise<AliOssHeadResult>
  /** GetObject, returning the body as a stream. */
  getStream(name: string, options?: AliOssGetStreamOptions): Promise<AliOssGetStreamResult>
}
