import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ListedObject, Lister } from '@resumable/core'
import { createMockFetch, MockOss } from '@resumable/testkit'
import { createS3Lister } from '../src/index.ts'

const CREDENTIALS = { accessKeyId: 'AKIA-deadline', secretAccessKey: 'deadline-secret' }
const BUCKET = 'examplebucket'

const lister = (fetch: typeof globalThis.fetch, stallTimeoutMs: number) =>
  createS3Lister({
    bucket: BUCKET,
    endpoint: 'http://127.0.0.1:9000',
    credentials: CREDENTIALS,
    fetch,
    retries: 1,
    retryBaseDelayMs: 1,
    stallTimeoutMs,
  })

async function collect(from: Lister): Promise<ListedObject[]> {
  const out: ListedObject[] = []
  for await (const object of from.list()) out.push(object)
  return out
}

describe('a listing page has a stall deadline (stallTimeoutMs)', () => {
  it('a server that never answers (and a fetch that ignores its signal) fails the page with a timeout after its retries', async () => {
    let calls = 0
    const silent = (() => {
      calls++
      return new Promise<never>(() => {})
    }) as typeof globalThis.fetch
    const started = Date.now()
    await assert.rejects(collect(lister(silent, 50)), (error: Error & { kind?: string }) => {
      assert.equal(error.name, 'TransportError')
      assert.equal(error.kind, 'timeout')
      assert.match(error.message, /ListObjectsV2 .* page 1: no data received for 50 ms/)
      return true
    })
    assert.equal(calls, 2, 'the first attempt and one retry')
    assert.ok(Date.now() - started < 5_000)
  })

  it('a page whose body keeps arriving, slower in all than the deadline, is not cut off', async () => {
    const oss = new MockOss({ credentials: CREDENTIALS })
    for (let i = 0; i < 40; i++) oss.putObject(BUCKET, `k/${i}`, { bytes: new Uint8Array([i]) })
    const mock = createMockFetch(oss)
    // The mock's answer, re-sent in 8 pieces 30 ms apart: 240 ms in all against a 100 ms deadline.
    const trickle = (async (input, init) => {
      const response = await mock(input, init)
      const bytes = new Uint8Array(await response.arrayBuffer())
      const step = Math.ceil(bytes.length / 8)
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (let at = 0; at < bytes.length; at += step) {
            await new Promise((resolve) => setTimeout(resolve, 30))
            controller.enqueue(bytes.slice(at, at + step))
          }
          controller.close()
        },
      })
      return new Response(body, { status: response.status, headers: response.headers })
    }) as typeof globalThis.fetch
    const listed = await collect(lister(trickle, 100))
    assert.equal(listed.length, 40)
  })
})
