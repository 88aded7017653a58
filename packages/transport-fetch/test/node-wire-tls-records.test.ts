import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { nodeWire } from '../src/node.ts'
import type { Wire } from '../src/wire/wire.ts'
import { selfSigned } from './helpers/self-signed.ts'

// Over TLS a socket read hands over its records (at most 16 KiB each) one at a time. The Node
// wire hands the records of one read that lie side by side out as one piece: each piece costs
// the reader a round of promises. A reader that falls behind pauses the socket; the connection
// must still carry the next request.

const SIZE = 4 * 1024 * 1024 + 321
const body = makeBytes(SIZE, 41)
const RECORD = 16 * 1024
const tls = selfSigned({ ipSan: true })
let server: Server
let url = ''

before(async () => {
  if (!tls) return
  server = createServer({ key: tls.key, cert: tls.cert }, (_request, response) => {
    response.writeHead(200, { 'content-length': SIZE })
    // Large writes: TLS cuts them into full records, several of them per socket read.
    for (let at = 0; at < SIZE; at += 256 * 1024) response.write(body.subarray(at, at + 256 * 1024))
    response.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/object`
})
after(async () => {
  if (!tls) return
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

/** Reads one whole body; with `slow`, waits 2 ms after every fourth piece. */
async function read(wire: Wire, slow: boolean): Promise<{ bytes: Uint8Array; pieces: number }> {
  const response = await wire.send({ method: 'GET', url, headers: {} })
  assert.equal(response.status, 200)
  const bytes = new Uint8Array(SIZE)
  let at = 0
  let pieces = 0
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    bytes.set(chunk, at)
    at += chunk.length
    pieces++
    if (slow && pieces % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 2))
  }
  assert.equal(at, SIZE)
  return { bytes, pieces }
}

describe('the Node wire over TLS', { skip: tls ? false : 'openssl is not installed' }, () => {
  it('hands the records of a read out as one piece: far fewer pieces than records', async () => {
    const wire = nodeWire({ ca: tls?.cert })
    const { bytes, pieces } = await read(wire, false)
    assert.deepEqual(bytes, body)
    const records = Math.ceil(SIZE / RECORD)
    assert.ok(pieces <= records / 2, `${pieces} pieces for ${records} records`)
  })

  it('a reader that falls behind gets every byte, and the connection carries the next requests', async () => {
    const wire = nodeWire({ ca: tls?.cert, maxSockets: 1 })
    for (let round = 0; round < 4; round++) {
      const { bytes } = await read(wire, true)
      assert.deepEqual(bytes, body, `round ${round}`)
    }
  })
})
