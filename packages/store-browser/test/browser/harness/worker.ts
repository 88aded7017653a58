// The Target contract, run where OpfsTarget's fast path lives: a dedicated worker.
import { TargetError } from '@resumable/core'
import { OpfsTarget } from '@resumable/store-browser'
import { type ContractCase, targetContract } from '@resumable/testkit'
import { runCases } from './run-cases.ts'

let destinations = 0

async function committed(directory: string, name: string): Promise<Uint8Array | undefined> {
  let dir = await navigator.storage.getDirectory()
  for (const part of directory.split('/'))
    dir = await dir.getDirectoryHandle(part, { create: true })
  try {
    const file = await (await dir.getFileHandle(name)).getFile()
    return new Uint8Array(await file.arrayBuffer())
  } catch (error) {
    if ((error as Error).name === 'NotFoundError') return undefined
    throw error
  }
}

function fresh(overwrite = false) {
  const directory = `contract/${++destinations}`
  return {
    directory,
    make: () => new OpfsTarget('object.bin', { directory, overwrite }),
    committed: () => committed(directory, 'object.bin'),
  }
}

/** Cases beyond the contract: what `overwrite` means for an existing destination. */
const destinationCases: ContractCase[] = [
  {
    name: 'without overwrite, an existing destination is refused with kind exists, remedy overwrite',
    async run() {
      const t = fresh()
      const first = t.make()
      await first.open({ size: 1, resume: false })
      await first.write(0, new Uint8Array([1]))
      await first.commit()
      const error = await t
        .make()
        .open({ size: 1, resume: false })
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      if (
        !(error instanceof TargetError) ||
        error.kind !== 'exists' ||
        error.remedies?.join() !== 'overwrite'
      )
        throw new Error(`expected exists with remedy overwrite, got ${String(error)}`)
    },
  },
  {
    name: 'with overwrite, commit replaces an existing destination',
    async run() {
      const t = fresh(true)
      for (const value of [1, 2]) {
        const target = t.make()
        await target.open({ size: 3, resume: false })
        await target.write(0, new Uint8Array(3).fill(value))
        await target.commit()
      }
      const bytes = await t.committed()
      if (bytes?.join() !== '2,2,2') throw new Error(`expected 2,2,2, got ${bytes?.join()}`)
    },
  },
]

self.onmessage = async (): Promise<void> => {
  const results = await runCases([...targetContract(() => fresh()), ...destinationCases])
  self.postMessage(results)
}
