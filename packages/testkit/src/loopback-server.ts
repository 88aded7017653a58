import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
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
  const cap = options.bytesPerSecondPerConnection
  const server = createServer((req, res) => {
    void serve(oss, req, res, cap).catch(() => res.destroy())
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

async function serve(
  oss: MockOss,
  req: IncomingMessage,
  res: ServerResponse,
  cap: number | undefined,
): Promise<void> {
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
  const response = await handleOssRequest(oss, request)
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
