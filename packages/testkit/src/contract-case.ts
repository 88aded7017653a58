/** One runner-agnostic contract check; assertions use node:assert, so any runner can bind it. */
export interface ContractCase {
  readonly name: string
  run(): Promise<void>
}
