import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ReceivedRequest } from './verify-signatures.ts'

/** What the loopback store does to one request. */
export type LoopbackFault =
  | { readonly type: 'drop'; readonly afterBytes: number }
  | {
      readonly type: 'status'
      readonly status: number
      readonly code: string
      readonly headers?: Record<string, string>
    }
  | { readonly type: 'whole' }

/** A loopback HTTP store serving one object (Range, If-Match, HEAD), with faults and signature checks. */
export interface Loopback {
  readonly origin: string
  readonly requests: ReceivedRequest[]
  close(): Promise<void>
}

/** Options of the loopback store. */
export interface LoopbackOptions {
  readonly bytes: Uint8Array
  readonly etag: string
  readonly headers?: Record<string, string>
  /** Returns a fault for the n-th request (0-based), or undefined to answer correctly. */
  readonly fault?: (request: ReceivedRequest, n: number) => LoopbackFault | undefined
  /** Returns a reason to reject the request as 403 SignatureDoesNotMatch, or undefined. */
  readonly verify?: (request: ReceivedRequest) => string | undefined
}

function xml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>LOOPBACK</RequestId></Error>`
}

/** Starts the store on 127.0.0.1 with an ephemeral port. */
export async function startLoopback(options: LoopbackOptions): Promise<Loopback> {
  const requests: ReceivedRequest[] = []
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?')
    const received: ReceivedRequest = {
      method: req.method ?? 'GET',
      rawPath,
      rawQuery,
      headers: req.headers,
    }
    const n = requests.push(received) - 1
    const size = options.bytes.length
    const base: Record<string, string> = {
      etag: options.etag,
      'accept-ranges': 'bytes',
      ...options.headers,
    }
    const problem = options.verify?.(received)
    if (problem) {
      res
        .writeHead(403, { 'content-type': 'application/xml' })
        .end(req.method === 'HEAD' ? undefined : xml('SignatureDoesNotMatch', problem))
      return
    }
    const fault = options.fault?.(received, n)
    if (fault?.type === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/xml', ...fault.headers })
      res.end(req.method === 'HEAD' ? undefined : xml(fault.code, 'injected'))
      return
    }
    const ifMatch = req.headers['if-match']
    if (ifMatch !== undefined && ifMatch !== options.etag) {
      res
        .writeHead(412)
        .end(
          xml(
            'PreconditionFailed',
            'At least one of the pre-conditions you specified did not hold.',
          ),
        )
      return
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...base, 'content-length': String(size) }).end()
      return
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''))
    let start = 0
    let end = size - 1
    let status = 200
    const headers: Record<string, string> = { ...base }
    if (m && fault?.type !== 'whole') {
      start = Number(m[1])
      end = Math.min(Number(m[2]), size - 1)
      if (start >= size) {
        res
          .writeHead(416, { 'content-range': `bytes */${size}` })
          .end(xml('InvalidRange', 'The requested range cannot be satisfied'))
        return
      }
      status = 206
      headers['content-range'] = `bytes ${start}-${end}/${size}`
    }
    headers['content-length'] = String(end - start + 1)
    res.writeHead(status, headers)
    const body = options.bytes.subarray(start, end + 1)
    if (fault?.type === 'drop') {
      res.write(body.subarray(0, fault.afterBytes), () => {
        // Let the bytes reach the client, then cut the connection mid-body.
        setTimeout(() => res.socket?.destroy(), 10)
      })
      return
    }
    res.end(body)
  }
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
