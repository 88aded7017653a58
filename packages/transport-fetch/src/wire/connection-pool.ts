import { type Endpoint, Http1Connection, loadTls, type TlsSettings } from './http1-connection.ts'

interface Waiter {
  resolve(connection: Http1Connection): void
  reject(error: unknown): void
}

/**
 * Connections to one origin (through one proxy, or direct): idle ones reused newest first, at most
 * `limit` open, waiters in order.
 */
class OriginConnections {
  readonly #endpoint: Endpoint
  readonly #limit: number
  readonly #tls: TlsSettings
  readonly #idle: Http1Connection[] = []
  readonly #waiters: Waiter[] = []
  #open = 0

  constructor(endpoint: Endpoint, limit: number, tls: TlsSettings) {
    this.#endpoint = endpoint
    this.#limit = limit
    this.#tls = tls
  }

  acquire(signal: AbortSignal | undefined, fresh: boolean): Promise<Http1Connection> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (!fresh) {
      for (let idle = this.#idle.pop(); idle; idle = this.#idle.pop()) {
        if (!idle.closed) return Promise.resolve(idle)
      }
    }
    if (this.#open < this.#limit) return Promise.resolve(this.#connect())
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.#waiters.indexOf(waiter)
        if (at >= 0) this.#waiters.splice(at, 1)
        reject(signal?.reason)
      }
      const waiter: Waiter = {
        resolve: (connection) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(connection)
        },
        reject,
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  /** A finished exchange left `connection` reusable: the next waiter gets it, or it idles. */
  release(connection: Http1Connection, idleMs: number): void {
    if (connection.closed) return
    const waiter = this.#waiters.shift()
    if (waiter) waiter.resolve(connection)
    else {
      connection.park(idleMs)
      this.#idle.push(connection)
    }
  }

  #connect(): Http1Connection {
    this.#open++
    const connection: Http1Connection = new Http1Connection(
      this.#endpoint,
      () => {
        this.#open--
        const at = this.#idle.indexOf(connection)
        if (at >= 0) this.#idle.splice(at, 1)
        // A closed connection frees a place: the longest waiter gets a new one.
        const waiter = this.#waiters.shift()
        if (waiter) waiter.resolve(this.#connect())
      },
      this.#tls,
    )
    return connection
  }
}

/**
 * Per-origin connection limits and reuse for {@link Http1Connection}s. Connections are keyed by
 * origin and proxy: a proxied and a direct connection to one origin are never mixed.
 */
export class ConnectionPool {
  readonly #origins = new Map<string, OriginConnections>()
  readonly #limit: number
  readonly #tls: TlsSettings
  /** Whether `node:tls` is loaded: the first https:// connection waits for it. */
  #tlsLoaded = false

  /** `limit`: most connections open to one origin at once; `tls`: settings of every TLS connection. */
  constructor(limit: number, tls: TlsSettings = {}) {
    this.#limit = limit
    this.#tls = tls
  }

  /** An idle connection to `endpoint`, a new one (`fresh`, or none idle), or the next one freed. */
  acquire(
    endpoint: Endpoint,
    signal: AbortSignal | undefined,
    fresh = false,
  ): Promise<Http1Connection> {
    if (endpoint.protocol === 'https:' && !this.#tlsLoaded) {
      return loadTls().then(() => {
        this.#tlsLoaded = true
        return this.#for(endpoint).acquire(signal, fresh)
      })
    }
    return this.#for(endpoint).acquire(signal, fresh)
  }

  /** Hands a connection whose exchange ended cleanly back for reuse. */
  release(endpoint: Endpoint, connection: Http1Connection, idleMs: number): void {
    this.#for(endpoint).release(connection, idleMs)
  }

  #for(endpoint: Endpoint): OriginConnections {
    const origin = `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`
    // The proxy's name is credential-free; one wire has one proxy per protocol.
    const key = endpoint.proxy === undefined ? origin : `${origin} via ${endpoint.proxy.name}`
    let connections = this.#origins.get(key)
    if (!connections) {
      connections = new OriginConnections(endpoint, this.#limit, this.#tls)
      this.#origins.set(key, connections)
    }
    return connections
  }
}
