import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { addCorsHeaders, type CorsOptions, preflightHeaders } from './cors.ts'
import { handleOssRequest } from './handle-request.ts'
import { MockOss } from './oss-model.ts'

/** Options for `startMockOss`. */
export interface MockOssServerOptions {
  /** The model to serve; a new one when omitted. */
  readonly oss?: MockOss
  /** Port; 0 picks a free one. @default 0 */
  readonly port?: number
  /** Interface. @default '127.0.0.1' */
  readonly host?: string
  /** Cap each connection at this many bytes per second (benchmarks). */
  readonly bytesPerSecondPerConnection?: number
  /** Answer cross-origin requests (preflight and exposed headers), as a bucket with a CORS rule does. */
  readonly cors?: CorsOptions | boolean
  /** Answers requests before the mock does (e.g. test pages); undefined lets the mock answer. */
  readonly routes?: (request: Request) => Response | undefined | Promise<Response | undefined>
}

/** A running loopback mock OSS. */
export interface MockOssServer {
  readonly oss: MockOss
  /** `http://127.0.0.1:<port>`; objects are at `<url>/<bucket>/<key>` (path-style). */
  readonly url: string
  readonly port: number
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/**
 * Serves the same OSS logic as the MSW handlers on a real socket, streaming bodies with
 * backpressure (a 5 GiB generated object is never held in memory). Injected resets destroy the
 * socket mid-body; stalls stop writing.
 */
export async function startMockOss(options: MockOssServerOptions = {}): Promise<MockOssServer> {
  const oss = options.oss ?? new MockOss()
  const cors = options.cors === true ? {} : options.cors || undefined
  const serving: Serving = {
    oss,
    cap: options.bytesPerSecondPerConnection,
    cors,
    routes: options.routes,
  }
  const server = createServer((req, res) => {
    void serve(serving, req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  )
  const { port } = server.address() as AddressInfo
  return {
    oss,
    port,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

interface Serving {
  readonly oss: MockOss
  readonly cap: number | undefined
  readonly cors: CorsOptions | undefined
  readonly routes: MockOssServerOptions['routes']
}

async function serve(serving: Serving, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { oss, cap, cors } = serving
  const controller = new AbortController()
  res.on('close', () => controller.abort())
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) headers.set(name, value.join(', '))
  }
  const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    signal: controller.signal,
  })
  const response = (await serving.routes?.(request)) ?? (await answer(oss, request, cors))
  res.writeHead(response.status, Object.fromEntries(response.headers))
  if (!response.body || req.method === 'HEAD') {
    res.end()
    return
  }
  const reader = response.body.getReader()
  const started = Date.now()
  let sent = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!res.write(value)) await new Promise((resolve) => res.once('drain', resolve))
      sent += value.length
      if (cap) {
        const due = started + (sent / cap) * 1000
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
      }
      if (controller.signal.aborted) return
    }
    res.end()
  } catch {
    // An injected reset (or a client that went away): drop the connection without a clean end,
    // once what was written has left (Node corks a response's first writes for a tick).
    await flushed(res)
    res.destroy()
  }
}

async function answer(
  oss: MockOss,
  request: Request,
  cors: CorsOptions | undefined,
): Promise<Response> {
  if (!cors) return handleOssRequest(oss, request)
  if (request.method === 'OPTIONS') {
    const asked = request.headers.get('access-control-request-headers') ?? undefined
    return new Response(null, { status: 204, headers: preflightHeaders(cors, asked) })
  }
  const response = await handleOssRequest(oss, request)
  addCorsHeaders(response.headers, cors)
  return response
}

/** Resolves when the bytes written so far have reached the kernel (or the socket is gone). */
function flushed(res: ServerResponse): Promise<void> {
  const socket = res.socket
  if (!socket || socket.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 200)
    socket.write(new Uint8Array(0), () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
