import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRC64_WASM_BASE64 } from '../src/crc/crc64.wasm.ts'

/** What scripts/compile-crc64-wat.mjs exports (a script, so it has no type declarations). */
interface WatCompiler {
  compileCrc64Wat(): Promise<Uint8Array>
}

/** wabt is a devDependency: present in the repo, maybe not where only the package is installed. */
const compilerPath = '../scripts/compile-crc64-wat.mjs'
const compiler: WatCompiler | undefined = await import(compilerPath).catch((error: unknown) => {
  if (String(error).includes('wabt')) return undefined
  throw error
})

describe('crc64 WebAssembly module', () => {
  const committed = Uint8Array.from(atob(CRC64_WASM_BASE64), (c) => c.charCodeAt(0))

  it('is a valid module', () => {
    assert.ok(WebAssembly.validate(committed))
  })

  it('is exactly what crc64.wat compiles to', {
    skip: !compiler && 'wabt not installed',
  }, async () => {
    const fresh = await compiler!.compileCrc64Wat()
    assert.deepEqual(
      [...committed],
      [...fresh],
      'src/crc/crc64.wasm.ts is stale: run node scripts/build-crc64-wasm.mjs',
    )
  })
})
