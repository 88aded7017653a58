import type { Wire } from '@resumable/transport-fetch'
import { fetchWire } from '@resumable/transport-fetch'
import { UsageError } from './command-line.ts'

/** The `--wire` flag: which HTTP client the fetch transports read through. */
export type WireName = 'fetch' | 'node'

/**
 * The transport option for `--wire`: nothing when unset (the package's default: undici's
 * dispatcher on Node, `fetch` on Bun and Deno), `fetchWire()` for `fetch`, the shared Node wire
 * for `node` (loaded only then; Bun's `undici` has no dispatcher, so it is refused there).
 */
export async function wireOption(name: WireName | undefined): Promise<{ wire?: Wire }> {
  if (name === undefined) return {}
  if (name === 'fetch') return { wire: fetchWire() }
  if ('Bun' in globalThis) {
    throw new UsageError(
      '--wire node needs undici’s dispatcher, which Bun does not have: use --wire fetch',
    )
  }
  const { defaultNodeWire } = await import('@resumable/transport-fetch/node')
  return { wire: defaultNodeWire() }
}
