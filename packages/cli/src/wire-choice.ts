import type { Wire } from '@resumable/transport-fetch'
import { fetchWire } from '@resumable/transport-fetch'

/** The `--wire` flag: which HTTP client the fetch transports read through. */
export type WireName = 'fetch' | 'node'

/**
 * The transport option for `--wire`: nothing when unset (the package's default: the Node wire on
 * Node, `fetch` on Bun and Deno), `fetchWire()` for `fetch`, the shared Node wire for `node`
 * (loaded only then).
 */
export async function wireOption(name: WireName | undefined): Promise<{ wire?: Wire }> {
  if (name === undefined) return {}
  if (name === 'fetch') return { wire: fetchWire() }
  const { defaultNodeWire } = await import('@resumable/transport-fetch/node')
  return { wire: defaultNodeWire() }
}
