import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import type { ContractCase } from './contract-case.ts'

/** Lifecycle around a bound suite, as unstorage's `testDriver` has: start a server once, clean up after each case. */
export interface ContractHooks {
  /** Runs once before the first case (start a loopback server, create a temp directory). */
  readonly before?: () => void | Promise<void>
  /** Runs once after the last case, also when a case failed. */
  readonly after?: () => void | Promise<void>
  /** Runs before each case. */
  readonly beforeEach?: () => void | Promise<void>
  /** Runs after each case, also when it failed. */
  readonly afterEach?: () => void | Promise<void>
  /** Skip the whole suite, saying why (a wire this runtime cannot run). The runner reports the reason. */
  readonly skip?: string | false
}

/**
 * Registers contract cases with node:test (`deno test` and `bun test` run them unchanged), inside
 * the given lifecycle hooks, so no adapter has to bind a suite by hand.
 */
export function bindContract(
  suite: string,
  cases: readonly ContractCase[],
  hooks: ContractHooks = {},
): void {
  if (hooks.skip) {
    const reason = hooks.skip
    // One visible skipped case carrying the reason: Bun prints nothing for a skipped describe.
    describe(suite, () => {
      it(`skipped: ${reason}`, { skip: reason }, () => undefined)
    })
    return
  }
  describe(suite, () => {
    if (hooks.before) before(hooks.before)
    if (hooks.after) after(hooks.after)
    if (hooks.beforeEach) beforeEach(hooks.beforeEach)
    if (hooks.afterEach) afterEach(hooks.afterEach)
    for (const c of cases) it(c.name, () => c.run())
  })
}
