interface RuntimeGlobals {
  readonly process?: { readonly env?: Readonly<Record<string, string | undefined>> }
  readonly Deno?: { readonly env?: { get(name: string): string | undefined } }
}

/**
 * Reads an environment variable on Node, Bun and Deno without importing `node:` modules, so the
 * package stays web-standard; browsers have no environment and get undefined.
 */
export function readEnv(name: string): string | undefined {
  const g = globalThis as RuntimeGlobals
  try {
    // Deno first: its `process` shim exists only with Node compat and may lack permissions handling.
    const value = g.Deno?.env ? g.Deno.env.get(name) : g.process?.env?.[name]
    const trimmed = value?.trim()
    return trimmed ? trimmed : undefined
  } catch {
    // Deno without --allow-env throws NotCapable/PermissionDenied: treat as unset.
    return undefined
  }
}
