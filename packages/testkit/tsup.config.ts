import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // Keep `node:` specifiers: `node:test` has no bare form (a bare `test` is a package lookup).
  removeNodeProtocol: false,
  // Loaded on demand by startS3rver, from the calling suite's own devDependencies.
  external: ['s3rver'],
})
