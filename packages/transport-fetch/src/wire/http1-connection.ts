/// <reference types="node" />
// The one Node-API file of this package: the Node wire's sockets (loaded only through `./node` and the `node` condition).
import { connect as connectTcp, isIP, type Socket } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import type { ProxyStage, ProxyWait } from '@resumable/core/http'
import { type ProxyEndpoint, proxyStageError, tunnelRefusedError } from './proxy.ts'

type TlsModule = typeof import('node:tls')
// Not `tls`: that names the connections' TLS settings below.
let loadedTls: TlsModule | undefined
let tlsLoading: Promise<TlsModule> | undefined

/**
 * Loads `node:tls` for the first https:// connection: most downloads read plain HTTP, and loading
 * it with the wire cost every command about 8 ms and 2 MiB (BENCHMARKS.md).
 */
export function loadTls(): Promise<TlsModule> {
  if (loadedTls) return Promise.resolve(loadedTls)
  tlsLoading ??= import('node:tls').then((module) => {
    loadedTls = module
    return module
  })
  return tlsLoading
}

/** `node:tls`, once {@link loadTls} has settled (the pool waits for it before a TLS connection). */
function tlsModule(): TlsModule {
  if (loadedTls === undefined) throw new Error('node:tls is used before loadTls() settled')
  return loadedTls
}

/** Bytes the kernel copies into per read: one slab. 128 KiB reads a loopback socket in few calls. */
const SLAB_BYTES = 128 * 1024
/**
 * Least room a lent slab must have left for the next read to go after its lent bytes. A reader
 * may keep pieces until a whole write buffer has gathered: were every read to start a slab, reads
 * of a few KiB (TLS records, a slow link) would pin 128 KiB each, up to 8 MiB or more per MiB held.
 */
const MIN_READ_BYTES = 32 * 1024
/** Where a slab goes back once no view of it is held: the connection that read into it. */
export interface SlabHome {
  returnSlab(slab: Slab): void
}

/**
 * Memory a socket reads into. While a reader holds a view of it (`lent > 0`) the next read goes
 * after the lent bytes or to another slab, so a view stays valid until its reader lets go,
 * whatever the socket does.
 */
export class Slab {
  // Shared memory: a body chunk kept by its reader (`keep`) can be written by another thread
  // straight from here, with no copy in between.
  readonly bytes: Uint8Array = new Uint8Array(new SharedArrayBuffer(SLAB_BYTES))
  lent = 0
  /**
   * The connection that reads into this slab now. Set each time a stock hands it out: a slab
   * that went back to the stock may next serve another connection, and must report to that one.
   */
  home: SlabHome
  constructor(home: SlabHome) {
    this.home = home
  }
  /** One view of this slab is no longer used. */
  release(): void {
    this.lent--
    if (this.lent === 0) this.home.returnSlab(this)
  }
}

/**
 * Slabs kept for later reads: none made is dropped, for a dropped slab was 128 KiB of garbage
 * that only a full collection frees (keeping spares, a 4 GiB download's array buffers grew from 13
 * to 25 MiB, BENCHMARKS.md). A connection needs only a handful at once (an exchange lends at most
 * four, a reader that keeps pieces holds about one per 96 KiB it keeps, and an exchange that ended
 * with pieces still unread keeps its slabs while the connection already carries the next request).
 * The process's connections share one stock ({@link READ_SLABS}): each with its own, the stocks
 * added up every connection's own peak, and connections trade places in the pool (a worker that
 * is done takes the connection another just freed while that one's reader still holds slabs of it),
 * so at concurrency 8 each had made 19 slabs (2.4 MiB) where 11 were out at once (BENCHMARKS.md).
 */
export class SlabStock {
  readonly #spare: Slab[] = []
  #made = 0

  /** Slabs made so far: the most this stock has had out at once. */
  get made(): number {
    return this.#made
  }

  /** A slab no view of which is held, whose views report back to `home`. */
  take(home: SlabHome): Slab {
    const spare = this.#spare.pop()
    if (spare) {
      spare.home = home
      return spare
    }
    this.#made++
    return new Slab(home)
  }

  /** A slab whose last view was released, for a later read. */
  give(slab: Slab): void {
    this.#spare.push(slab)
  }
}

/** The read slabs of every {@link Http1Connection} of the process. */
export const READ_SLABS: SlabStock = new SlabStock()

/** What a connection hands its bytes and its end to: the exchange in progress. */
export interface ConnectionReader {
  /** `length` new bytes at `at` in `slab`; false pauses the socket until `resume()`. */
  receive(slab: Slab, at: number, length: number): boolean
  /** The server closed, or the socket failed (`error`). */
  closed(error: Error | undefined): void
}

/** Where a connection goes: `http:` or `https:`, host and port, and the proxy it goes through. */
export interface Endpoint {
  readonly protocol: 'http:' | 'https:'
  readonly hostname: string
  readonly port: number
  /** An HTTP proxy: `http:` requests go to it in absolute form, `https:` through a CONNECT tunnel. */
  readonly proxy: ProxyEndpoint | undefined
}

/** TLS settings of a wire's connections. */
export interface TlsSettings {
  /** Certificates (PEM) trusted instead of the runtime's roots, as `tls.connect`'s `ca`. */
  readonly ca?: string | readonly string[] | undefined
}

/** Most bytes of a proxy's answer to CONNECT before its head must have ended. */
const CONNECT_HEAD_LIMIT = 16 * 1024

/** An IPv6 host name without its URL brackets. */
function bare(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
}

/** TLS options for `endpoint`: SNI names a host, never an address (RFC 6066 §3). */
function tlsOptions(endpoint: Endpoint, tls: TlsSettings): ConnectionOptions {
  const host = bare(endpoint.hostname)
  return {
    // The name the certificate must carry; over a tunnel's socket nothing else tells TLS.
    host,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ALPNProtocols: ['http/1.1'],
    ...(tls.ca !== undefined ? { ca: tls.ca as string | string[] } : {}),
  }
}

/**
 * The status line of a proxy's answer to CONNECT and where its head ends in `bytes`, or
 * `undefined` while the head is incomplete. Throws when the answer is not HTTP.
 */
export function connectAnswer(
  bytes: Uint8Array,
): { status: number; line: string; end: number } | undefined {
  let end = -1
  // The head ends at an empty line: LF LF or LF CR LF (so CRLF CRLF too).
  for (let i = 1; i < bytes.length && end < 0; i++) {
    if (bytes[i] !== 10) continue
    if (bytes[i - 1] === 10 || (bytes[i - 1] === 13 && bytes[i - 2] === 10)) end = i + 1
  }
  if (end < 0) return undefined
  let line = ''
  for (let j = 0; j < end && bytes[j] !== 13 && bytes[j] !== 10; j++) {
    line += String.fromCharCode(bytes[j] as number)
  }
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(line)
  if (!status) throw new Error(`not an HTTP answer: ${JSON.stringify(line.slice(0, 64))}`)
  return { status: Number(status[1]), line: line.slice(0, 200), end }
}

/**
 * One kept-alive HTTP/1.1 connection over `node:net` or `node:tls`. The kernel writes each read
 * straight into a reused {@link Slab} (`onread`), so reading allocates nothing per chunk; the
 * reader decides when the socket pauses. Through a proxy: an `http:` connection is a socket to the
 * proxy (read the same way); an `https:` one is a CONNECT tunnel with TLS inside.
 */
export class Http1Connection implements SlabHome {
  /** The socket requests are written to: to the origin, to the proxy, or TLS inside a tunnel. */
  #socket: Socket
  /** Through a CONNECT tunnel: the proxy's TCP socket under {@link #socket}. */
  #tunnel: Socket | undefined
  /** A request head written before the tunnel was up. */
  #waitingHead: string | undefined
  /** Requests this connection has carried, counting the current one. */
  uses = 0
  /**
   * True for TLS: one socket read hands over one record (at most 16 KiB) at a time, several per
   * read, each into the slab right after the last.
   */
  readonly recordsPerRead: boolean
  readonly #slabs = READ_SLABS
  #slab: Slab
  /** Where in `#slab` the next read goes: bytes before it may be lent. */
  #at = 0
  #reader: ConnectionReader | undefined
  #closed = false
  /** The proxy this connection goes through, if any. */
  readonly #proxy: ProxyEndpoint | undefined
  /**
   * While the proxy, not the store, is the party that must act next (connect, answer CONNECT,
   * let TLS through, answer a forwarded request): a failure then is laid at the proxy's door.
   */
  #stage: ProxyStage | undefined
  /** Told each stage the current request waits on the proxy for, then `undefined`. */
  #stageListener: ((wait: ProxyWait | undefined) => void) | undefined
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  readonly #onClose: () => void

  /** Connects to `endpoint`; `onClose` runs once when the connection ends, however it ends. */
  constructor(endpoint: Endpoint, onClose: () => void, tls: TlsSettings = {}) {
    this.#onClose = onClose
    this.recordsPerRead = endpoint.protocol === 'https:'
    this.#slab = this.#slabs.take(this)
    const proxy = endpoint.proxy
    this.#proxy = proxy
    this.#stage = proxy === undefined ? undefined : 'connect'
    if (proxy !== undefined && endpoint.protocol === 'https:') {
      const tunnel = connectTcp({ host: bare(proxy.hostname), port: proxy.port })
      tunnel.once('connect', () => this.#toStage('connect', 'tunnel'))
      this.#tunnel = tunnel
      this.#socket = tunnel
      this.#openTunnel(endpoint, proxy, tls)
      return
    }
    const onread = {
      buffer: () => this.#nextBuffer(),
      callback: (length: number) => this.#receive(length),
    }
    const to = proxy ?? endpoint
    const host = bare(to.hostname)
    this.#socket =
      endpoint.protocol === 'https:'
        ? tlsModule().connect({
            host,
            port: to.port,
            ...tlsOptions(endpoint, tls),
            // Node documents `onread` for tls.connect; @types/node 20 does not list it.
            onread,
          } as ConnectionOptions)
        : connectTcp({ host, port: to.port, onread })
    // Only `http:` targets reach here through a proxy (`https:` ones tunnel above).
    if (proxy !== undefined) {
      // A request may have been written before the connection was made: its answer is awaited.
      const next = (): ProxyStage | undefined =>
        this.#reader === undefined ? undefined : 'request'
      this.#socket.once('connect', () => this.#toStage('connect', next()))
    }
    this.#watch(this.#socket)
  }

  /** Moves on from stage `from` (only from it: a later stage is never undone) to `to`. */
  #toStage(from: ProxyStage, to: ProxyStage | undefined): void {
    if (this.#stage === from) this.#setStage(to)
  }

  #setStage(stage: ProxyStage | undefined): void {
    this.#stage = stage
    this.#stageListener?.(this.#wait())
  }

  /** What a request on this connection now waits on the proxy for, if anything. */
  #wait(): ProxyWait | undefined {
    const proxy = this.#proxy
    const stage = this.#stage
    return proxy === undefined || stage === undefined
      ? undefined
      : { proxy: `http://${proxy.name}`, stage }
  }

  /**
   * Tells `listener` what the request about to start waits on the proxy for (now, and at each
   * change), so a deadline that passes can name the silent proxy; `undefined` stops telling.
   */
  watchStage(listener: ((wait: ProxyWait | undefined) => void) | undefined): void {
    this.#stageListener = listener
    listener?.(this.#wait())
  }

  #watch(socket: Socket): void {
    socket.setNoDelay(true)
    socket.on('error', (error) => this.#close(error))
    socket.on('end', () => this.#close('end'))
    socket.on('close', () => this.#close(undefined))
  }

  /**
   * Asks the proxy for a tunnel to `endpoint`, then speaks TLS in it. `tls.connect` over a socket
   * ignores `onread` (Node documents it), so the TLS socket's chunks are copied into the slabs:
   * the parser and the reader see the same lent slab views as on a direct connection.
   */
  #openTunnel(endpoint: Endpoint, proxy: ProxyEndpoint, tls: TlsSettings): void {
    const tunnel = this.#socket
    const target = `${endpoint.hostname}:${endpoint.port}`
    let head = `CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n`
    if (proxy.authorization !== undefined) head += `proxy-authorization: ${proxy.authorization}\r\n`
    tunnel.setNoDelay(true)
    tunnel.write(`${head}\r\n`, 'latin1')
    let answer = new Uint8Array(0)
    const fail = (error: Error | 'end' | undefined): void => {
      this.#close(error)
      tunnel.destroy()
    }
    const onError = (error: Error): void => fail(error)
    // #close words an end for the stage: a FIN (`end`), or a close that does not say how.
    const onEnd = (): void => fail('end')
    const onClose = (): void => fail(undefined)
    const onData = (chunk: Uint8Array): void => {
      const joined = new Uint8Array(answer.length + chunk.length)
      joined.set(answer)
      joined.set(chunk, answer.length)
      answer = joined
      let parsed: ReturnType<typeof connectAnswer>
      try {
        parsed = connectAnswer(answer)
      } catch (error) {
        fail(
          proxyStageError(
            new Error(`the proxy answered CONNECT ${target} with ${(error as Error).message}`),
            proxy,
            'tunnel',
          ),
        )
        return
      }
      if (parsed === undefined) {
        if (answer.length > CONNECT_HEAD_LIMIT) {
          const oversized = new Error(`the proxy answered CONNECT ${target} with an oversized head`)
          fail(proxyStageError(oversized, proxy, 'tunnel'))
        }
        return
      }
      if (parsed.status < 200 || parsed.status > 299) {
        fail(tunnelRefusedError(proxy, target, parsed))
        return
      }
      this.#toStage('tunnel', 'tls')
      tunnel.pause()
      tunnel.off('data', onData)
      tunnel.off('error', onError)
      tunnel.off('end', onEnd)
      tunnel.off('close', onClose)
      if (this.#closed) {
        tunnel.destroy()
        return
      }
      // Bytes after the head belong to the tunnel: TLS reads what the socket still holds.
      if (parsed.end < answer.length) tunnel.unshift(answer.subarray(parsed.end))
      const secure = tlsModule().connect({ socket: tunnel, ...tlsOptions(endpoint, tls) })
      secure.once('secureConnect', () => this.#toStage('tls', undefined))
      this.#socket = secure
      // The tunnel's own end first: its FIN or RST is what tells a drop mid-handshake apart.
      tunnel.on('error', (error) => this.#close(error))
      tunnel.on('end', () => this.#close('end'))
      tunnel.on('close', () => this.#close(undefined))
      this.#watch(secure)
      secure.on('data', (data: Uint8Array) => this.#receiveCopy(data))
      if (this.#reader === undefined) secure.unref()
      const waiting = this.#waitingHead
      this.#waitingHead = undefined
      if (waiting !== undefined) secure.write(waiting, 'latin1')
    }
    tunnel.on('data', onData)
    tunnel.on('error', onError)
    tunnel.on('end', onEnd)
    tunnel.on('close', onClose)
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
    this.#socket.ref()
    // Through an HTTP proxy, silence or a drop before the answer's first byte is the proxy's.
    if (this.#proxy !== undefined && this.#tunnel === undefined && this.#stage === undefined)
      this.#setStage('request')
    if (this.#tunnel !== undefined) this.#startTunnelled(head)
    else this.#socket.write(head, 'latin1')
  }

  /** The exchange is over and the connection may wait for the next; it closes after `idleMs`. */
  park(idleMs: number): void {
    this.#reader = undefined
    // An idle connection never keeps the process alive, and never outlives the server's patience.
    this.#socket.unref()
    this.#tunnel?.unref()
    this.#idleTimer = setTimeout(() => this.destroy(), idleMs)
    this.#idleTimer.unref?.()
  }

  /** Reads again after the reader paused the socket. */
  resume(): void {
    if (!this.#closed) this.#socket.resume()
  }

  /** Closes the connection now (an abandoned body, an abort, a parse error). */
  destroy(error?: Error): void {
    this.#close(error)
    this.#socket.destroy()
    this.#tunnel?.destroy()
  }

  /** Writes a head on a tunnelled connection, or keeps it until the tunnel is up. */
  #startTunnelled(head: string): void {
    this.#tunnel?.ref()
    if (this.#socket === this.#tunnel) this.#waitingHead = head
    else this.#socket.write(head, 'latin1')
  }

  /** Called by a slab when its last view is released. */
  returnSlab(slab: Slab): void {
    // The slab being read into stays this connection's, unless the connection is gone: then no
    // read comes any more, and the stock may hand it to another.
    if (slab !== this.#slab || this.#closed) this.#slabs.give(slab)
  }

  #nextBuffer(): Uint8Array {
    // Bytes of the slab just read into are lent to a reader: the next read must not overwrite
    // them. It goes after them while the slab has room, else to another slab.
    if (this.#slab.lent === 0) this.#at = 0
    else if (SLAB_BYTES - this.#at < MIN_READ_BYTES) {
      this.#slab = this.#slabs.take(this)
      this.#at = 0
    }
    return this.#slab.bytes.subarray(this.#at)
  }

  #receive(length: number): boolean {
    const reader = this.#reader
    if (reader === undefined) {
      // Bytes nobody asked for on an idle connection: it cannot be trusted with another request.
      this.destroy()
      return false
    }
    if (this.#stage === 'request') this.#setStage(undefined)
    const at = this.#at
    this.#at += length
    return reader.receive(this.#slab, at, length)
  }

  /** A chunk of a socket read without `onread` (TLS in a tunnel), copied into slabs. */
  #receiveCopy(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length && !this.#closed; ) {
      const bytes = this.#nextBuffer()
      const length = Math.min(bytes.length, chunk.length - at)
      bytes.set(chunk.subarray(at, at + length))
      at += length
      if (!this.#receive(length) && !this.#closed) this.#socket.pause()
    }
  }

  /** Ends the connection: `failure` the socket's error, `end` its FIN, `undefined` a close. */
  #close(failure: Error | 'end' | undefined): void {
    if (this.#closed) return
    this.#closed = true
    const proxy = this.#proxy
    const stage = this.#stage
    // A clean close before the proxy connected is not a fault of the proxy's stage to word.
    const error =
      proxy !== undefined && stage !== undefined && (failure !== undefined || stage !== 'connect')
        ? proxyStageError(failure, proxy, stage)
        : failure === 'end'
          ? undefined
          : failure
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer)
    const reader = this.#reader
    this.#reader = undefined
    reader?.closed(error)
    this.#onClose()
  }
}
