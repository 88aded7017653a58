import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type DownloadEvent, download, statObject } from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

type Valued = { readonly value?: unknown }

/** JSON.stringify then JSON.parse, as a structured logger or a message to another process does. */
function roundTrip(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>
}

describe('results, events and statObject survive JSON.stringify, CRCs as decimal strings', () => {
  it("a download's result: verification and the store's checksum are decimal strings in JSON, bigints in code", async () => {
    const object = makeObject(300 * 1024 + 7)
    const { options } = setup(object)
    const result = await download(options())
    const json = roundTrip(result)
    const crc = object.checksum as bigint
    assert.deepEqual(json.verification, { method: 'crc64xz', value: crc.toString() })
    assert.deepEqual((json.object as { checksum: unknown }).checksum, {
      algorithm: 'crc64xz',
      value: crc.toString(),
    })
    assert.equal(BigInt((json.verification as Valued).value as string), crc)
    assert.equal(result.verification.method === 'size' ? 0 : result.verification.value, crc)
    assert.equal(result.object.checksum?.value, crc)
  })

  it('every event of a download serialises; start and verified carry the CRC as a decimal string', async () => {
    const object = makeObject(300 * 1024 + 7)
    const { options, events } = setup(object)
    await download(options())
    const serialised = events.map((event: DownloadEvent) => roundTrip(event))
    const start = serialised.find((e) => e.type === 'start') as { object: { checksum: Valued } }
    const verified = serialised.find((e) => e.type === 'verified') as { verification: Valued }
    assert.equal(start.object.checksum.value, (object.checksum as bigint).toString())
    assert.equal(verified.verification.value, (object.checksum as bigint).toString())
  })

  it("statObject's ObjectInfo serialises, and a transport's own checksum object is left as it was", async () => {
    const object = makeObject(1000)
    const { transport } = setup(object)
    const own = await transport.stat()
    const info = await statObject({ transport })
    assert.deepEqual(roundTrip(info).checksum, {
      algorithm: 'crc64xz',
      value: (object.checksum as bigint).toString(),
    })
    assert.deepEqual(info, own)
    assert.throws(() => JSON.stringify(own), TypeError)
  })
})
