import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  download,
  ObjectChangedError,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
} from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import { makeBytes } from '@resumable/testkit'

const SIZE = 400 * 1024
const OLD = { bytes: makeBytes(SIZE, 1), lastModified: 'Mon, 07 Dec 2026 10:00:00 GMT' }
const NEW = { bytes: makeBytes(SIZE, 2), lastModified: 'Mon, 07 Dec 2026 11:23:20 GMT' }

/**
 * A plain server with no ETag that ignores If-Unmodified-Since, as many simple servers and caches
 * do: after `replaceAfter` reads every answer is the new version, at the offsets asked.
 */
function serverWithoutEtag(replaceAfter: number, sendLastModified = true): Transport {
  let reads = 0
  const current = () => (reads > replaceAfter ? NEW : OLD)
  return {
    id: 'https://plain.example/file.bin',
    async stat(): Promise<ObjectInfo> {
      return { size: SIZE, lastModified: current().lastModified }
    },
    async read(request: ReadRequest): Promise<ReadResponse> {
      reads++
      const version = current()
      const body = version.bytes.slice(request.start, request.end + 1)
      return {
        range: { start: request.start, end: request.end },
        ...(sendLastModified ? { lastModified: version.lastModified } : {}),
        body: (async function* () {
          yield body
        })(),
      }
    },
  }
}

function run(transport: Transport, onObjectChanged: 'restart' | 'fail' = 'restart') {
  const volume = new MemoryVolume()
  const result = download({
    transport,
    target: new MemoryTarget('/dest/file.bin', { volume }),
    checkpoint: new MemoryCheckpointStore(),
    partSize: 100 * 1024,
    concurrency: 1,
    retryBaseDelayMs: 1,
    onObjectChanged,
  })
  return { volume, result }
}

describe('a server with Last-Modified and no ETag', () => {
  it('an object replaced mid-download is caught by its Last-Modified and downloaded again whole: never a mix', async () => {
    const { volume, result } = run(serverWithoutEtag(2))
    const done = await result
    assert.equal(done.restarts, 1)
    assert.deepEqual(volume.file('/dest/file.bin'), NEW.bytes)
  })

  it('with onObjectChanged fail the download fails as changed and publishes nothing', async () => {
    const { volume, result } = run(serverWithoutEtag(2), 'fail')
    await assert.rejects(result, (error: unknown) => {
      assert.ok(error instanceof ObjectChangedError)
      assert.match(error.message, /Last-Modified .* became /)
      return true
    })
    assert.equal(volume.file('/dest/file.bin'), undefined)
  })
})
