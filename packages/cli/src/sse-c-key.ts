import { readFile } from 'node:fs/promises'
import { base64ToBytes } from '@resumable/core'
import { UsageError } from './usage-error.ts'

/** The environment variable that may hold the SSE-C key, base64. */
export const SSE_C_KEY_ENV = 'RESUMABLE_SSE_C_KEY'

/**
 * The SSE-C customer key from `--sse-c-key-file` (32 raw bytes, or their base64 on one line) or
 * from RESUMABLE_SSE_C_KEY (base64); undefined when neither is given. Messages never show the
 * key or any part of the file.
 */
export async function loadSseCustomerKey(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Uint8Array | undefined> {
  const fromEnv = env[SSE_C_KEY_ENV]?.trim()
  if (file !== undefined && fromEnv) {
    throw new UsageError(`give the SSE-C key once: --sse-c-key-file or ${SSE_C_KEY_ENV}, not both`)
  }
  if (file !== undefined) {
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await readFile(file))
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'unreadable'
      throw new UsageError(`--sse-c-key-file "${file}" cannot be read (${code})`)
    }
    if (bytes.length === 32) return bytes
    const decoded = decode(new TextDecoder().decode(bytes).trim())
    if (decoded?.length === 32) return decoded
    throw new UsageError(
      `--sse-c-key-file "${file}" holds neither 32 raw bytes nor the base64 of 32 bytes`,
    )
  }
  if (!fromEnv) return undefined
  const decoded = decode(fromEnv)
  if (decoded?.length !== 32) {
    throw new UsageError(`${SSE_C_KEY_ENV} must be the base64 of a 32-byte (256-bit) key`)
  }
  return decoded
}

function decode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined
  try {
    return base64ToBytes(text)
  } catch {
    return undefined
  }
}
