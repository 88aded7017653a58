import { createServer, type RequestListener, type Server } from 'node:http'

/**
 * A real HTTP server on loopback that can go away and come back on the same port: `down()`
 * closes the port (connections are refused) and drops every open socket; `up()` listens again.
 */
export class RestartableServer {
  port = 0
  readonly #handler: RequestListener
  #server: Server | undefined

  constructor(handler: RequestListener) {
    this.#handler = handler
  }

  async up(): Promise<void> {
    const server = createServer(this.#handler)
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.address() as { port: number }).port
  }

  down(): void {
    this.#server?.close()
    this.#server?.closeAllConnections()
    this.#server = undefined
  }
}
