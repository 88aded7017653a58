import type { Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** A server listening on 127.0.0.1: its origin, and a close that drops kept-alive sockets too. */
export interface Listening {
  readonly endpoint: string
  close(): Promise<void>
}

/** Listens on an ephemeral port of 127.0.0.1; `close()` destroys open sockets so it never waits on keep-alive. */
export async function listenOnLoopback(server: Server): Promise<Listening> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
