import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AbortedError, createDownload, download, OptionsError } from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

// A download stopped before it began touches nothing; options a JavaScript caller got wrong are
// refused as OptionsError before anything is touched.

/** The memory target's destination (the harness's). */
const NAME = '/dest/file.bin'
const isAborted = (kind: 'paused' | 'cancelled') => (e: unknown) =>
  e instanceof AbortedError && e.kind === kind

describe('a download stopped before it starts', () => {
  it('with an already aborted signal: rejects as paused, with no request and no file', async () => {
    const { options, transport, volume } = setup(makeObject(300 * 1024))
    await assert.rejects(download(options({ signal: AbortSignal.abort() })), isAborted('paused'))
    assert.equal(transport.stats + transport.reads.length, 0)
    assert.equal(volume.hasTemp(NAME) || volume.file(NAME) !== undefined, false)
  })

  it('paused before start: rejects as paused, with no request and no file', async () => {
    const { options, transport, volume } = setup(makeObject(300 * 1024))
    const handle = createDownload(options())
    handle.pause()
    await assert.rejects(handle.start(), isAborted('paused'))
    assert.equal(transport.stats + transport.reads.length, 0)
    assert.equal(volume.hasTemp(NAME) || volume.file(NAME) !== undefined, false)
  })

  it('paused, then cancelled: start rejects as cancelled, the last word', async () => {
    const { options } = setup(makeObject(300 * 1024))
    const handle = createDownload(options())
    handle.pause()
    await handle.cancel()
    await assert.rejects(handle.start(), isAborted('cancelled'))
  })

  it('paused while running, then cancelled: its start rejects as cancelled, and nothing is left', async () => {
    const { options, store, volume, transport } = setup(makeObject(3 * 1024 * 1024))
    transport.chunkDelayMs = 2
    const handle = createDownload(options())
    let saved!: () => void
    const checkpointed = new Promise<void>((resolve) => (saved = resolve))
    handle.on('checkpoint-saved', () => saved())
    const running = handle.start()
    await checkpointed
    handle.pause()
    await handle.cancel()
    await assert.rejects(running, isAborted('cancelled'))
    assert.equal(volume.hasTemp(NAME) || volume.file(NAME) !== undefined, false)
    assert.equal(await store.load(NAME), undefined)
  })
})

describe('options of the wrong type from JavaScript', () => {
  for (const [option, value, says] of [
    ['verify', 'false', /"verify": must be true or false, got "false"/],
    ['recheckResumedParts', 'yes', /"recheckResumedParts": must be true or false/],
    ['signal', {}, /"signal": must be an AbortSignal/],
    ['checkpoint', null, /"checkpoint": expected a CheckpointStore/],
    ['onProgress', 42, /"onProgress": must be a function, got number/],
    ['onEvent', 'x', /"onEvent": must be a function, got string/],
  ] as const) {
    it(`${option}: ${JSON.stringify(value)} is an OptionsError naming it, before any request`, () => {
      const { options, transport } = setup(makeObject(10))
      assert.throws(
        () => createDownload({ ...options(), [option]: value }),
        (e: unknown) => e instanceof OptionsError && e.option === option && says.test(e.message),
      )
      assert.equal(transport.stats + transport.reads.length, 0)
    })
  }
})
