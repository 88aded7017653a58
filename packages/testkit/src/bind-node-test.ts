import { describe, it } from 'node:test'
import type { ContractCase } from './contract-case.ts'

/** Registers contract cases with node:test (`deno test` and `bun test` run them unchanged). */
export function bindContract(suite: string, cases: readonly ContractCase[]): void {
  describe(suite, () => {
    for (const c of cases) it(c.name, () => c.run())
  })
}
