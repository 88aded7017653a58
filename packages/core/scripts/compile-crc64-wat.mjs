// The one place that turns crc64.wat into bytes, shared by build-crc64-wasm.mjs and the test that
// checks the committed bytes, so the two cannot drift apart in wabt options.
import { readFile } from 'node:fs/promises'
import wabt from 'wabt'

/** Path of the WAT source. */
export const WAT_URL = new URL('../src/crc/crc64.wat', import.meta.url)

/** Compiles crc64.wat without a names section (smaller, and nothing reads it). */
export async function compileCrc64Wat() {
  const text = await readFile(WAT_URL, 'utf8')
  const parsed = (await wabt()).parseWat('crc64.wat', text)
  try {
    parsed.validate()
    return parsed.toBinary({ write_debug_names: false, canonicalize_lebs: true }).buffer
  } finally {
    parsed.destroy()
  }
}
