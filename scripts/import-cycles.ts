/**
 * Finds import cycles among the packages' own modules. tsup's split builds hoist modules into
 * chunks, and in a cycle one module's top level can then read another's binding before it is set:
 * the published CLI once lost every batch flag that way (`...BATCH_PARSE_OPTIONS` spread while
 * still undefined), though every test, running the sources, passed. Type-only imports are erased
 * and cannot form one.
 *
 *   node --import tsx scripts/import-cycles.ts        (prints each cycle; exit 1 if any)
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))

// `import … from './x.ts'` / `export … from './x.ts'`, the clause across lines.
const RELATIVE_IMPORT = /^(?:import|export)\s+(type\s+)?([^'"]*?)\s*from\s+'(\.[^']+)'/gm

/** The relative modules `source` (at `file`) imports for their values. */
function valueImports(file: string, source: string): string[] {
  const found: string[] = []
  for (const [, typeOnly, clause = '', specifier = ''] of source.matchAll(RELATIVE_IMPORT)) {
    if (typeOnly) continue
    const names = /\{([^}]*)\}/.exec(clause)?.[1]
    const onlyTypes =
      names !== undefined &&
      !/^\s*\w+\s*,/.test(clause) &&
      names
        .split(',')
        .map((name) => name.trim())
        .every((name) => name === '' || name.startsWith('type '))
    if (!onlyTypes) found.push(join(dirname(file), specifier))
  }
  return found
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
}

/** Every cycle among the `.ts` modules under `packages/<name>/src`, as paths relative to the repo. */
export function findImportCycles(root: string = ROOT): string[][] {
  const graph = new Map<string, string[]>()
  for (const name of readdirSync(join(root, 'packages'))) {
    let files: string[]
    try {
      files = sourceFiles(join(root, 'packages', name, 'src'))
    } catch {
      continue
    }
    for (const file of files) graph.set(file, valueImports(file, readFileSync(file, 'utf8')))
  }
  const cycles: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue
      if (state.get(next) === 'open') {
        cycles.push(path.slice(path.indexOf(next)).map((f) => relative(root, f)))
      } else if (state.get(next) === undefined) visit(next)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file)
  return cycles
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cycles = findImportCycles()
  for (const cycle of cycles) console.log(`${[...cycle, cycle[0]].join(' -> ')}`)
  console.log(cycles.length === 0 ? 'no import cycles' : `${cycles.length} import cycle(s)`)
  process.exitCode = cycles.length === 0 ? 0 : 1
}
