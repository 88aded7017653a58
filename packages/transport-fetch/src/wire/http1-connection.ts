/// <reference types="node" />
// The one Node-API file of this package: the Node wire's sockets (loaded only through `./node` and the `node` condition).
import { connect as connectTcp, isIP, type Socket } from 'node:net'
import { type ConnectionOptions, connect as connectTls } from 'node:tls'

/** Bytes the kernel copies into per read: one slab. 128 KiB reads a loopback socket in few calls. */
const SLAB_BYTES = 128 * 1024
/** Where a slab goes back once no view of it is held: the connection that read into it. */
export interface SlabHome {
  returnSlab(slab: Slab): void
}

/**
 * Memory a socket reads into. While a reader holds a view of it (`lent > 0`) the next read goes
 * to another slab, so a view stays valid until its reader lets go, whatever the socket does.
 */
export class Slab {
  readonly bytes: Uint8Array = new Uint8Array(SLAB_BYTES)
  lent = 0
  readonly #home: SlabHome
  constructor(home: SlabHome) {
    this.#home = home
  }
  /** One view of this slab is no longer used. */
  release(): void {
    this.lent--
    if (this.lent === 0) this.#home.returnSlab(this)
  }
}

/**
 * A connection's slabs: each one it made is kept for a later read, none is dropped. A connection
 * needs only a handful at once (an exchange lends at most four, and one that ended with pieces
 * still unread keeps its slabs while the connection already carries the next request), and a
 * dropped slab was 128 KiB of garbage that only a full collection frees: keeping three spares,
 * a 4 GiB download's array buffers grew from 13 to 25 MiB (BENCHMARKS.md).
 */
export class SlabStock {
  readonly #spare: Slab[] = []
  #made = 0

  /** Slabs made so far: the most its connection has had out at once. */
  get made(): number {
    return this.#made
  }

  /** A slab no view of which is held, whose views report back to `home`. */
  take(home: SlabHome): Slab {
    const spare = this.#spare.pop()
    if (spare) return spare
    this.#made++
    return new Slab(home)
  }

  /** A slab whose last view was released, for a later read. */
  give(slab: Slab): void {
    this.#spare.push(slab)
  }
}

/** What a connection hands its bytes and its end to: the exchange in progress. */
export interface ConnectionReader {
  /** `length` new bytes at the start of `slab`; false pauses the socket until `resume()`. */
  receive(slab: Slab, length: number): boolean
  /** The server closed, or the socket failed (`error`). */
  closed(error: Error | undefined): void
}

/** Where a connection goes: `http:` or `https:`, host and port. */
export interface Endpoint {
  readonly protocol: 'http:' | 'https:'
  readonly hostname: string
  readonly port: number
}

/**
 * One kept-alive HTTP/1.1 connection over `node:net` or `node:tls`. The kernel writes each read
 * straight into a reused {@link Slab} (`onread`), so reading allocates nothing per chunk; the
 * reader decides when the socket pauses.
 */
export class Http1Connection implements SlabHome {
  readonly socket: Socket
  /** Requests this connection has carried, counting the current one. */
  uses = 0
  readonly #slabs = new SlabStock()
  #slab: Slab
  #reader: ConnectionReader | undefined
  #closed = false
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  readonly #onClose: () => void

  /** Connects to `endpoint`; `onClose` runs once when the connection ends, however it ends. */
  constructor(endpoint: Endpoint, onClose: () => void) {
    this.#onClose = onClose
    this.#slab = this.#slabs.take(this)
    const onread = {
      buffer: () => this.#nextBuffer(),
      callback: (length: number) => this.#receive(length),
    }
    const { hostname, port } = endpoint
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
    this.socket =
      endpoint.protocol === 'https:'
        ? connectTls({
            host,
            port,
            // SNI names a host, never an address (RFC 6066 §3).
            ...(isIP(host) === 0 ? { servername: host } : {}),
            ALPNProtocols: ['http/1.1'],
            // Node documents `onread` for tls.connect; @types/node 20 does not list it.
            onread,
          } as ConnectionOptions)
        : connectTcp({ host, port, onread })
    this.socket.setNoDelay(true)
    this.socket.on('error', (error) => this.#close(error))
    this.socket.on('end', () => this.#close(undefined))
    this.socket.on('close', () => this.#close(undefined))
  }

  /** True once the socket ended or failed. */
  get closed(): boolean {
    return this.#closed
  }

  /** Sends a request head and routes the response's bytes to `reader`. */
  start(head: string, reader: ConnectionReader): void {
    this.uses++
    this.#reader = reader
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    this.socket.ref()
    this.socket.write(head, 'latin1')
  }

  /** The exchange is over and the connection may wait for the next; it closes after `idleMs`. */
  park(idleMs: number): void {
    this.#reader = undefined
    // An idle connection never keeps the process alive, and never outlives the server's patience.
    this.socket.unref()
    this.#idleTimer = setTimeout(() => this.destroy(), idleMs)
    this.#idleTimer.unref?.()
  }

  /** Reads again after the reader paused the socket. */
  resume(): void {
    if (!this.#closed) this.socket.resume()
  }

  /** Closes the connection now (an abandoned body, an abort, a parse error). */
  destroy(error?: Error): void {
    this.#close(error)
    this.socket.destroy()
  }

  /** Called by a slab when its last view is released. */
  returnSlab(slab: Slab): void {
    if (slab !== this.#slab) this.#slabs.give(slab)
  }

  #nextBuffer(): Uint8Array {
    // The slab just read into is lent to a reader: the next read must not overwrite it.
    if (this.#slab.lent > 0) this.#slab = this.#slabs.take(this)
    return this.#slab.bytes
  }

  #receive(length: number): boolean {
    const reader = this.#reader
    if (reader === undefined) {
      // Bytes nobody asked for on an idle connection: it cannot be trusted with another request.
      this.destroy()
      return false
    }
    return reader.receive(this.#slab, length)
  }

  #close(error: Error | undefined): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer)
    const reader = this.#reader
    this.#reader = undefined
    reader?.closed(error)
    this.#onClose()
  }
}
