// A small OSS on a loopback node:http server, enough to drive a real ali-oss client through
// HeadObject and ranged GetObject with the faults this transport must survive.
import { Buffer } from 'node:buffer'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** One stored object. */
export interface StubObject {
  bytes: Uint8Array
  etag?: string
  lastModified?: string
  crc64?: string
  versionId?: string
  storageClass?: string
  restore?: string
  contentType?: string
  meta?: Record<string, string>
}

/** A fault served instead of (or in the middle of) the normal answer, once. */
export type StubFault =
  | {
      kind: 'error'
      status: number
      code?: string
      message?: string
      headers?: Record<string, string>
    }
  | { kind: 'reset'; afterBytes: number }
  | { kind: 'short'; afterBytes: number }
  | { kind: 'stall'; afterBytes: number; ms: number }
  | { kind: 'ignore-range' }
  | { kind: 'wrong-range' }
  | { kind: 'gzip' }
  | { kind: 'delay-headers'; ms: number }
  | { kind: 'replace'; object: StubObject }
  | { kind: 'none' }

/** What the stub saw of a request. */
export interface StubRequest {
  method: string
  bucket: string
  key: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
}

const REQUEST_ID = 'STUBREQUESTID0000000001'
const HOST_ID = 'examplebucket.oss-cn-hangzhou.aliyuncs.com'

/** The loopback server; `endpoint` is what the ali-oss client is pointed at. */
export class OssStub {
  readonly objects = new Map<string, StubObject>()
  readonly requests: StubRequest[] = []
  /** Faults for GET (and HEAD for `error`), consumed in order. */
  readonly faults: StubFault[] = []
  readonly headFaults: StubFault[] = []
  #server: http.Server | undefined
  #sockets = new Set<import('node:net').Socket>()
  #timers = new Set<ReturnType<typeof setTimeout>>()
  endpoint = ''

  /** A timer that close() cancels, so a stalled answer never outlives the test. */
  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      run()
    }, ms)
    this.#timers.add(timer)
  }

  put(bucket: string, key: string, object: StubObject): void {
    this.objects.set(`${bucket}/${key}`, object)
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => this.#handle(req, res))
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    this.#server = server
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return this.endpoint
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer)
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve())
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stub')
    // ali-oss sends an IP endpoint's requests with Host: <bucket>.<region host> and path /<key>.
    const bucket = (req.headers.host ?? '').split('.')[0] ?? ''
    const key = decodeURIComponent(url.pathname.slice(1))
    const method = req.method ?? 'GET'
    this.requests.push({ method, bucket, key, query: url.searchParams, headers: req.headers })
    const head = method === 'HEAD'
    const fault = (head ? this.headFaults : this.faults).shift()
    if (fault?.kind === 'replace') {
      // The object is overwritten just before this request is answered.
      this.objects.set(`${bucket}/${key}`, fault.object)
      this.#answer(req, res, bucket, key, url, undefined)
      return
    }
    if (fault?.kind === 'delay-headers') {
      this.#later(fault.ms, () => this.#answer(req, res, bucket, key, url, undefined))
      return
    }
    this.#answer(req, res, bucket, key, url, fault)
  }

  #answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    key: string,
    url: URL,
    fault: StubFault | undefined,
  ): void {
    const head = req.method === 'HEAD'
    if (fault?.kind === 'error') {
      error(res, head, fault.status, fault.code ?? 'InternalError', fault.message, fault.headers)
      return
    }
    const object = this.objects.get(`${bucket}/${key}`)
    if (!object) {
      error(res, head, 404, 'NoSuchKey', 'The specified key does not exist.')
      return
    }
    const wanted = url.searchParams.get('versionId')
    if (wanted !== null && wanted !== object.versionId) {
      error(res, head, 404, 'NoSuchVersion', 'The specified version does not exist.')
      return
    }
    const ifMatch = req.headers['if-match']
    if (ifMatch !== undefined && ifMatch !== object.etag) {
      error(
        res,
        head,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold.',
      )
      return
    }
    const size = object.bytes.length
    const headers: Record<string, string> = {
      'x-oss-request-id': REQUEST_ID,
      'accept-ranges': 'bytes',
      'content-type': object.contentType ?? 'application/octet-stream',
      'last-modified': object.lastModified ?? 'Fri, 24 Feb 2012 06:07:48 GMT',
    }
    if (object.etag !== undefined) headers.etag = object.etag
    if (object.crc64 !== undefined) headers['x-oss-hash-crc64ecma'] = object.crc64
    if (object.versionId !== undefined) headers['x-oss-version-id'] = object.versionId
    if (object.storageClass !== undefined) headers['x-oss-storage-class'] = object.storageClass
    if (object.restore !== undefined) headers['x-oss-restore'] = object.restore
    for (const [k, v] of Object.entries(object.meta ?? {})) headers[`x-oss-meta-${k}`] = v
    if (head) {
      res.writeHead(200, { ...headers, 'content-length': String(size) })
      return void res.end()
    }
    if (fault?.kind === 'gzip') {
      res.writeHead(200, { ...headers, 'content-encoding': 'gzip' })
      return void res.end(Buffer.from(object.bytes))
    }
    let start = 0
    let end = size - 1
    let status = 200
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    if (range && fault?.kind !== 'ignore-range') {
      start = Number(range[1])
      end = Math.min(Number(range[2]), size - 1)
      if (start >= size) {
        error(res, false, 416, 'InvalidRange', 'The requested range cannot be satisfied')
        return
      }
      status = 206
      const shown = fault?.kind === 'wrong-range' ? `${start + 1}-${end}` : `${start}-${end}`
      headers['content-range'] = `bytes ${shown}/${size}`
    }
    const body = object.bytes.subarray(start, end + 1)
    res.writeHead(status, { ...headers, 'content-length': String(body.length) })
    if (fault?.kind === 'reset' || fault?.kind === 'short') {
      res.write(Buffer.from(body.subarray(0, fault.afterBytes)))
      // 'reset' destroys the socket; 'short' half-closes it cleanly, leaving the body truncated.
      this.#later(20, () => (fault.kind === 'reset' ? req.socket.destroy() : req.socket.end()))
      return
    }
    if (fault?.kind === 'stall') {
      res.write(Buffer.from(body.subarray(0, fault.afterBytes)))
      this.#later(fault.ms, () => {
        if (!res.destroyed) res.end(Buffer.from(body.subarray(fault.afterBytes)))
      })
      return
    }
    res.end(Buffer.from(body))
  }
}

function error(
  res: http.ServerResponse,
  head: boolean,
  status: number,
  code: string,
  message = code,
  extra: Record<string, string> = {},
): void {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    `<Code>${code}</Code><Message>${message}</Message><RequestId>${REQUEST_ID}</RequestId>` +
    `<HostId>${HOST_ID}</HostId><EC>0003-00000001</EC></Error>`
  const headers: Record<string, string> = {
    'x-oss-request-id': REQUEST_ID,
    'x-oss-ec': '0003-00000001',
    ...extra,
  }
  if (head) {
    // HEAD has no body: OSS sends the same XML base64-encoded in x-oss-err.
    headers['x-oss-err'] = Buffer.from(xml).toString('base64')
    res.writeHead(status, headers)
    return void res.end()
  }
  res.writeHead(status, { ...headers, 'content-type': 'application/xml' })
  res.end(xml)
}
