// A package's tests reach other packages only through their public entry points
// (`@resumable/<name>`): a test importing another package's src/ would pass against code no user
// runs, and would hide a missing export.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g

function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...filesUnder(path))
    else if (/\.(?:ts|mts|cts|js|mjs)$/.test(name)) out.push(path)
  }
  return out
}

/** `from`'s imports that land in another package's src/ (relative paths or deep `@resumable/x/src` ones). */
export function crossPackageSrcImports(file: string, text: string, ownPackage: string): string[] {
  const found: string[] = []
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? ''
    if (/^@resumable\/[^/]+\/src(?:\/|$)/.test(specifier)) found.push(specifier)
    if (!specifier.startsWith('.')) continue
    const [pkg, area] = relative(packagesDir, resolve(dirname(file), specifier)).split(sep)
    if (pkg !== ownPackage && area === 'src') found.push(specifier)
  }
  return found
}

describe('test imports', () => {
  it('the check itself flags a relative and a deep import of another package src/', () => {
    const file = join(packagesDir, 'transport-fetch', 'test', 'x.test.ts')
    // Quotes spliced in, so this file's own scan does not read these lines as its imports.
    const q = "'"
    const text = [
      `import { MemoryTarget } from ${q}../../store-memory/src/index.ts${q}`,
      `import { x } from ${q}@resumable/core/src/engine.ts${q}`,
      `import { y } from ${q}../src/index.ts${q}`,
      `import { z } from ${q}@resumable/store-memory${q}`,
    ].join('\n')
    assert.deepEqual(crossPackageSrcImports(file, text, 'transport-fetch'), [
      '../../store-memory/src/index.ts',
      '@resumable/core/src/engine.ts',
    ])
  })

  it("no package's tests import another package's src/", () => {
    const offenders: string[] = []
    for (const pkg of readdirSync(packagesDir)) {
      const testDir = join(packagesDir, pkg, 'test')
      if (!statSync(join(packagesDir, pkg)).isDirectory()) continue
      let files: string[]
      try {
        files = filesUnder(testDir)
      } catch {
        continue
      }
      for (const file of files) {
        for (const specifier of crossPackageSrcImports(file, readFileSync(file, 'utf8'), pkg))
          offenders.push(`${relative(packagesDir, file)} imports ${specifier}`)
      }
    }
    assert.deepEqual(offenders, [])
  })
})
