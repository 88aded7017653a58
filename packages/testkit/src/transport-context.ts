import type { Transport } from '@resumable/core'
import type { ContractCase } from './contract-case.ts'
import { createMockFetch } from './msw-handlers.ts'
import type { MockOss } from './oss-model.ts'

/** Credentials the contract configures; their secret must never appear in an error message. */
export const CONTRACT_CREDENTIALS = {
  accessKeyId: 'LTAI5tContractKeyId',
  secretAccessKey: 'contract-secret-8c1f0e7d',
} as const

/** A mock served on a real socket, as `startMockOss` from `@resumable/testkit/node` returns. */
export interface ServedMock {
  /** `http://127.0.0.1:<port>`: objects are at `<url>/<bucket>/<key>` (path-style). */
  readonly url: string
  close(): Promise<void>
}

/** Serves a mock on a real socket; pass `startMockOss` from `@resumable/testkit/node`. */
export type ServeMock = (options: { readonly oss: MockOss }) => Promise<ServedMock>

/** What a transport factory receives: the mock, how to reach it, and the object to read. */
export interface TransportContext {
  readonly oss: MockOss
  /** A fetch answered by the mock in-process (virtual-hosted OSS URLs such as `https://<bucket>.oss-cn-hangzhou.aliyuncs.com/<key>`). */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>
  /** The mock's origin on a real socket (`http://127.0.0.1:<port>`) when the suite was given `serve`; otherwise undefined. */
  readonly origin: string | undefined
  /** The object's plain URL: path-style on `origin` when served, else virtual-hosted on the OSS host `fetch` answers. */
  readonly objectUrl: string
  readonly bucket: string
  readonly key: string
  readonly credentials: typeof CONTRACT_CREDENTIALS
}

/** Builds the transport under test for one object. */
export type TransportFactory = (context: TransportContext) => Transport | Promise<Transport>

/** What the transport under test can do; the suites adapt their expectations, never their rules. */
export interface TransportCapabilities {
  /** The transport signs requests: the mock then verifies every signature (SigV4, OSS V4 or V1). */
  readonly signed?: boolean
  /**
   * How the transport addresses the store (named in case titles). `'s3'`: SigV4-signed requests,
   * answered as S3 does, with CRC-64/NVME (`x-amz-checksum-crc64nvme`) instead of OSS's CRC-64/XZ.
   * @default 'url'
   */
  readonly flavour?: 'oss' | 's3' | 'url'
  /** The `transport.id` the checkpoint will carry for this context; checked when given. */
  readonly expectedId?: (context: TransportContext) => string
  /**
   * The transport reports user metadata (`x-oss-meta-*`). `false` records a known gap: the suite
   * then asserts the metadata is absent, so closing the gap fails the suite until the flag goes.
   * @default true
   */
  readonly userMetadata?: boolean
  /** Serve the mock on a real socket for each case (a wire that needs one, a client on `node:http`): pass `startMockOss`. */
  readonly serve?: ServeMock
}

/**
 * Opens contexts for a suite's cases and closes the servers a case opened when it ends (also
 * when it failed), so a suite bound over real sockets leaks no listener.
 */
export class ContextOpener {
  readonly #serve: ServeMock | undefined
  readonly #open: ServedMock[] = []

  constructor(serve: ServeMock | undefined) {
    this.#serve = serve
  }

  /** A context for `bucket/key` in `oss`, served on a socket when the suite was given `serve`. */
  async open(oss: MockOss, bucket: string, key: string): Promise<TransportContext> {
    const served = this.#serve ? await this.#serve({ oss }) : undefined
    if (served) this.#open.push(served)
    const path = key.split('/').map(encodeURIComponent).join('/')
    return {
      oss,
      fetch: createMockFetch(oss),
      origin: served?.url,
      objectUrl: served
        ? `${served.url}/${bucket}/${path}`
        : `https://${bucket}.oss-cn-hangzhou.aliyuncs.com/${path}`,
      bucket,
      key,
      credentials: CONTRACT_CREDENTIALS,
    }
  }

  /** Wraps cases so each closes what it opened. */
  wrap(cases: readonly ContractCase[]): ContractCase[] {
    return cases.map((c) => ({
      name: c.name,
      run: async () => {
        try {
          await c.run()
        } finally {
          const open = this.#open.splice(0)
          await Promise.all(open.map((s) => s.close()))
        }
      },
    }))
  }
}
