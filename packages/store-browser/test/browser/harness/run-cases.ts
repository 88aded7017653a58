import type { ContractCase } from '@resumable/testkit'

/** One case's outcome, as the Node side of the test reads it. */
export interface CaseResult {
  readonly name: string
  readonly error?: string
}

/** Runs cases one after another (they share the origin's storage), catching each failure. */
export async function runCases(cases: readonly ContractCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const c of cases) {
    try {
      await c.run()
      results.push({ name: c.name })
    } catch (error) {
      results.push({
        name: c.name,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      })
    }
  }
  return results
}
