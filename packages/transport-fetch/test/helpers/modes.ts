// Every transport-fetch mode, once, as the contract suites bind them: each against each wire.
import type { TransportCapabilities, TransportContext, TransportFactory } from '@resumable/testkit'
import { startForwardProxy, startMockOss } from '@resumable/testkit/node'
import type { Wire } from '@resumable/transport-fetch'
import {
  createOssTransport,
  createS3Transport,
  createUrlTransport,
  presignOssUrl,
} from '@resumable/transport-fetch'
import { nodeWire } from '@resumable/transport-fetch/node'

/** How a mode reaches the mock: the fetch wire on the in-process mock fetch, or a wire on a real socket. */
export interface WireUnderTest {
  readonly name: string
  /** Why this runtime cannot run the wire, or false. */
  readonly skip: string | false
  /** Serve the mock on a socket (the node wire needs one). */
  readonly serve?: TransportCapabilities['serve']
  /** Options that select the wire for one context. */
  readonly select: (
    context: TransportContext,
  ) => { wire: Wire } | { fetch: TransportContext['fetch'] }
}

/** One mode of the transport: its factory and what it can do. */
export interface ModeUnderTest {
  readonly name: string
  readonly capabilities: TransportCapabilities
  readonly make: (
    context: TransportContext,
    wire: ReturnType<WireUnderTest['select']>,
  ) => ReturnType<TransportFactory>
}

let sharedNodeWire: Wire | undefined
let proxiedNodeWire: Promise<Wire> | undefined

/** A node wire through a forward proxy started on first use (never holding the process open). */
const throughProxy: Wire = {
  async send(request) {
    proxiedNodeWire ??= startForwardProxy({ unref: true }).then((proxy) =>
      nodeWire({ proxy: proxy.url }),
    )
    return (await proxiedNodeWire).send(request)
  },
}

export const WIRES: readonly WireUnderTest[] = [
  { name: 'fetch wire', skip: false, select: ({ fetch }) => ({ fetch }) },
  {
    name: 'node wire (loopback socket)',
    skip: false,
    serve: startMockOss,
    select: () => {
      sharedNodeWire ??= nodeWire()
      return { wire: sharedNodeWire }
    },
  },
  {
    name: 'node wire through an HTTP proxy',
    skip: false,
    serve: startMockOss,
    select: () => ({ wire: throughProxy }),
  },
]

const REGION = 'cn-hangzhou'

export const MODES: readonly ModeUnderTest[] = [
  {
    name: 'URL mode',
    capabilities: { flavour: 'url', expectedId: ({ objectUrl }) => objectUrl },
    make: ({ objectUrl }, wire) =>
      createUrlTransport({ url: objectUrl, ossRangeBehavior: true, ...wire }),
  },
  {
    name: 'URL mode with an OSS V4 presigned GET URL, signature verified',
    capabilities: { flavour: 'url', signed: true },
    make: async ({ bucket, key, credentials, origin }, wire) =>
      createUrlTransport({
        url: await presignOssUrl({
          bucket,
          key,
          region: REGION,
          credentials,
          expiresIn: 600,
          ...(origin ? { endpoint: origin } : {}),
        }),
        ...wire,
      }),
  },
  {
    name: 'OSS V4 mode, signatures verified',
    capabilities: {
      flavour: 'oss',
      signed: true,
      expectedId: ({ bucket, key }) => `oss://${bucket}/${key}`,
    },
    make: ({ bucket, key, credentials, origin }, wire) =>
      createOssTransport({
        bucket,
        key,
        region: REGION,
        credentials,
        ...(origin ? { endpoint: origin } : {}),
        ...wire,
      }),
  },
  {
    name: 'S3 SigV4 mode, signatures verified',
    capabilities: {
      flavour: 's3',
      signed: true,
      expectedId: ({ bucket, key }) => `s3://${bucket}/${key}`,
    },
    make: ({ bucket, key, credentials, origin }, wire) =>
      createS3Transport({
        bucket,
        key,
        endpoint: origin ?? 'https://s3.oss-cn-hangzhou.aliyuncs.com',
        region: REGION,
        credentials,
        ...wire,
      }),
  },
]

/** Each mode against each wire: a suite name, its factory and capabilities, and whether it runs here. */
export function everyModeOnEveryWire(): {
  name: string
  make: TransportFactory
  capabilities: TransportCapabilities
  skip: string | false
}[] {
  return MODES.flatMap((mode) =>
    WIRES.map((wire) => ({
      name: `transport-fetch (${mode.name}) over the ${wire.name}`,
      make: (context: TransportContext) => mode.make(context, wire.select(context)),
      capabilities: {
        ...mode.capabilities,
        ...(wire.serve ? { serve: wire.serve } : {}),
      },
      skip: wire.skip,
    })),
  )
}
