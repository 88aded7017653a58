import process from 'node:process'

/** The command that runs a TypeScript script on the runtime running the caller (Node via tsx, Deno, Bun). */
export function runtimeCommand(script: string, args: readonly string[]): [string, string[]] {
  const g = globalThis as { Deno?: unknown; Bun?: unknown }
  if (g.Deno)
    return [process.execPath, ['run', '-A', '--conditions=@resumable/source', script, ...args]]
  if (g.Bun) return [process.execPath, ['--conditions=@resumable/source', script, ...args]]
  return [process.execPath, ['--conditions=@resumable/source', '--import', 'tsx', script, ...args]]
}
