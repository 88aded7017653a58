// A loopback "proxy" on node:net that misbehaves on purpose once a client's request head (a
// CONNECT or a forwarded request) has arrived: it closes, resets, answers an error or says nothing.
import { type AddressInfo, createServer, type Socket } from 'node:net'

/** What the proxy does with a connection once the client's first request head is in. */
export type ProxyFault = (socket: Socket, head: string) => void

/** A running {@link startFaultyProxy}. */
export interface FaultyProxy {
  /** The proxy's origin, `http://127.0.0.1:port` (no credentials). */
  readonly origin: string
  readonly port: number
  /** Connections the proxy accepted. */
  accepted(): number
  close(): Promise<void>
}

/** Starts a proxy on 127.0.0.1 (ephemeral port) that treats each connection with `fault`. */
export async function startFaultyProxy(fault: ProxyFault): Promise<FaultyProxy> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    // A reset the proxy itself caused can surface here too: nothing to report.
    socket.on('error', () => {})
    let head = ''
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      fault(socket, head)
    }
    socket.on('data', onData)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    accepted: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** The head of an answer with `status` and no body. */
export function answer(status: number, reason: string, fields = ''): string {
  return `HTTP/1.1 ${status} ${reason}\r\n${fields}content-length: 0\r\n\r\n`
}
