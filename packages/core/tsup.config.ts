import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'http/index': 'src/http/index.ts' },
  format: ['esm', 'cjs'],
  // One copy of the error classes for both entries, in CJS too, so `instanceof` holds across them.
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // Keep `node:` specifiers: `node:test` has no bare form (a bare `test` is a package lookup).
  removeNodeProtocol: false,
})
