import assert from 'node:assert/strict'
import type { CheckpointStore } from '@resumable/core'
import type { ContractCase } from './contract-case.ts'

/** The cases every CheckpointStore must pass. `makeStore` gives a fresh, empty store per case. */
export function storeContract(
  makeStore: () => CheckpointStore | Promise<CheckpointStore>,
  keyPrefix = 'checkpoint-key',
): ContractCase[] {
  const key = (name: string): string => `${keyPrefix}-${name}`
  return [
    {
      name: 'load of a missing key is undefined',
      async run() {
        assert.equal(await (await makeStore()).load(key('missing')), undefined)
      },
    },
    {
      name: 'save then load round-trips the bytes exactly',
      async run() {
        const store = await makeStore()
        const data = new Uint8Array(4096).map((_, i) => i & 0xff)
        await store.save(key('round'), data)
        assert.deepEqual(await store.load(key('round')), data)
      },
    },
    {
      name: 'a save replaces the previous value whole (shorter values too)',
      async run() {
        const store = await makeStore()
        await store.save(key('replace'), new Uint8Array(1000).fill(1))
        await store.save(key('replace'), new Uint8Array([2, 2]))
        assert.deepEqual(await store.load(key('replace')), new Uint8Array([2, 2]))
      },
    },
    {
      name: 'concurrent saves leave exactly one whole value',
      async run() {
        const store = await makeStore()
        await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            store.save(key('race'), new Uint8Array(2000).fill(i)),
          ),
        )
        const loaded = (await store.load(key('race'))) as Uint8Array
        assert.equal(loaded.length, 2000)
        assert.ok(loaded.every((b) => b === loaded[0]))
      },
    },
    {
      name: 'remove deletes, and is idempotent',
      async run() {
        const store = await makeStore()
        await store.save(key('remove'), new Uint8Array([1]))
        await store.remove(key('remove'))
        await store.remove(key('remove'))
        assert.equal(await store.load(key('remove')), undefined)
      },
    },
    {
      name: 'keys are isolated from each other',
      async run() {
        const store = await makeStore()
        await store.save(key('a'), new Uint8Array([1]))
        await store.save(key('b'), new Uint8Array([2]))
        await store.remove(key('a'))
        assert.deepEqual(await store.load(key('b')), new Uint8Array([2]))
      },
    },
  ]
}
