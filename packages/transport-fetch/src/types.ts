import type { Wire } from './wire/wire.ts'

/** Access keys for a signed request. OSS's AccessKeySecret and SecurityToken map to `secretAccessKey` and `sessionToken`. */
export interface Credentials {
  /** AccessKey ID (OSS) or access key id (AWS). */
  readonly accessKeyId: string
  /** AccessKey secret (OSS) or secret access key (AWS). */
  readonly secretAccessKey: string
  /** STS security token, for temporary credentials. */
  readonly sessionToken?: string
}

/** Returns current credentials; called before every request, so rotating STS tokens are picked up. */
export type CredentialsProvider = () => Credentials | Promise<Credentials>

/** The subset of `fetch` the transport calls: always a URL string and an init object. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/** Options every mode accepts. */
export interface CommonTransportOptions {
  /** The wire that sends requests (e.g. a Node-native one). @default `defaultNodeWire()` from the Node entry when no `fetch` is given, else `fetchWire(fetch)` */
  readonly wire?: Wire
  /** The `fetch` the default wire uses (proxies, undici agents, tests). Looked up on `globalThis` per request when omitted; ignored with `wire`. */
  readonly fetch?: FetchLike
  /** Skip the fail-fast check for archived objects that are not restored (buckets with real-time archive access). @default false */
  readonly skipArchiveCheck?: boolean
}
