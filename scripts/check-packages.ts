/**
 * Proves the packages are publishable as they will be published: builds them, packs every public
 * workspace with `npm pack`, lints each tarball (package.json fields, publint, are-the-types-wrong),
 * installs the tarballs into a fresh project outside the repo and loads every package there with
 * `require` and `import` on Node, Deno and Bun, then runs the packed `resumable` bin with plain
 * `node`. Alongside: the release rehearsal (scripts/release-dry-run.ts), the JSR dry run
 * (scripts/jsr-publish.ts) and TypeDoc's check that every export is documented. Exits non-zero on
 * any failure.
 *
 *   node --import tsx scripts/check-packages.ts            (npm run check:packages)
 *   KEEP_TMP=1 … keeps the temp project for inspection; SKIP_BUILD=1 reuses dist/.
 */
import { type SpawnOptions, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { findImportCycles } from './import-cycles.ts'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const BIN = join(ROOT, 'node_modules', '.bin')
const REPOSITORY_URL = 'git+https://github.com/resumable-dev/resumable.git'

interface Workspace {
  readonly dir: string
  readonly folder: string
  readonly manifest: PackageJson
}

interface PackageJson {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly [field: string]: unknown
}

interface RunResult {
  readonly code: number
  readonly output: string
  readonly ms: number
}

interface Step {
  readonly name: string
  readonly ok: boolean
  readonly ms: number
  readonly detail: string
}

const steps: Step[] = []
const started = performance.now()

/** Runs a command, capturing stdout and stderr together; never throws. */
function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
  timeoutMs = 5 * 60_000,
): Promise<RunResult> {
  const t0 = performance.now()
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: ROOT, ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    // A hung step fails the check instead of stalling CI until its own timeout.
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs / 1000}s)`
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('error', (error) =>
      done({ code: 127, output: `${output}${error}`, ms: performance.now() - t0 }),
    )
    child.on('close', (code) => {
      clearTimeout(timer)
      done({ code: code ?? 1, output, ms: performance.now() - t0 })
    })
  })
}

/** Records a step's outcome and prints it at once, with the output of a failure. */
function record(name: string, ok: boolean, ms: number, detail: string, output = ''): void {
  steps.push({ name, ok, ms, detail })
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name} (${(ms / 1000).toFixed(1)}s)${detail ? ` — ${detail}` : ''}`,
  )
  if (!ok && output.trim()) console.log(indent(output.trim()))
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `       ${line}`)
    .join('\n')
}

/** Runs `tasks` with at most `limit` at once (2 cores are shared with everything else). */
async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await (tasks[index] as () => Promise<T>)()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

async function publicWorkspaces(): Promise<Workspace[]> {
  const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    workspaces: string[]
  }
  const dirs: string[] = []
  for (const pattern of root.workspaces) {
    if (pattern.endsWith('/*')) {
      const parent = join(ROOT, pattern.slice(0, -2))
      for (const entry of (await readdir(parent, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        if (entry.isDirectory()) dirs.push(join(parent, entry.name))
      }
    } else {
      dirs.push(join(ROOT, pattern))
    }
  }
  const workspaces: Workspace[] = []
  for (const dir of dirs) {
    const file = join(dir, 'package.json')
    if (!existsSync(file)) continue
    const manifest = JSON.parse(await readFile(file, 'utf8')) as PackageJson
    if (manifest.private !== true) {
      workspaces.push({ dir, folder: dir.slice(ROOT.length + 1), manifest })
    }
  }
  return workspaces
}

/** The fields every published package must carry, so a release is findable, attributable and safe to tree-shake. */
function manifestProblems(workspace: Workspace): string[] {
  const m = workspace.manifest
  const problems: string[] = []
  const repository = m.repository as { type?: string; url?: string; directory?: string } | undefined
  if (repository?.type !== 'git' || repository.url !== REPOSITORY_URL) {
    problems.push(`repository must be { type: "git", url: "${REPOSITORY_URL}", … }`)
  }
  if (repository?.directory !== workspace.folder) {
    problems.push(`repository.directory must be "${workspace.folder}"`)
  }
  if (m.license !== 'MIT') problems.push('license must be "MIT"')
  if (m.sideEffects !== false) problems.push('sideEffects must be false')
  if (m.type !== 'module') problems.push('type must be "module"')
  if (typeof (m.engines as { node?: unknown } | undefined)?.node !== 'string') {
    problems.push('engines.node is missing')
  }
  if ((m.publishConfig as { access?: unknown } | undefined)?.access !== 'public') {
    problems.push('publishConfig.access must be "public"')
  }
  if (!Array.isArray(m.keywords) || m.keywords.length === 0) problems.push('keywords are missing')
  if (!Array.isArray(m.files) || !m.files.includes('dist')) problems.push('files must list "dist"')
  const homepage = `https://github.com/resumable-dev/resumable/tree/main/${workspace.folder}#readme`
  if (m.homepage !== homepage) problems.push(`homepage must be ${homepage}`)
  const bugs = (m.bugs as { url?: unknown } | undefined)?.url
  if (bugs !== 'https://github.com/resumable-dev/resumable/issues')
    problems.push('bugs.url is wrong')
  const exports = m.exports as Record<string, unknown> | undefined
  for (const [subpath, target] of Object.entries(exports ?? {})) {
    if (subpath === './package.json') continue
    const conditions = target as Record<string, { types?: string; default?: string } | string>
    for (const condition of ['import', 'require'] as const) {
      const entry = conditions[condition]
      if (typeof entry !== 'object' || !entry.types || !entry.default) {
        problems.push(`exports["${subpath}"].${condition} needs { types, default }`)
      }
    }
  }
  if (!exports) problems.push('exports is missing')
  return problems
}

/** Every file path an `exports` map can resolve to, without the leading `./`. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports.replace(/^\.\//, '')]
  if (exports === null || typeof exports !== 'object') return []
  return Object.values(exports).flatMap(exportTargets)
}

/** Names of the files inside a tarball. */
async function tarballFiles(tarball: string): Promise<string[]> {
  const listing = await run('tar', ['-tzf', tarball])
  return listing.output
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^package\//, ''))
}

async function lintTarball(workspace: Workspace, tarball: string): Promise<void> {
  const t0 = performance.now()
  const problems = manifestProblems(workspace)
  const files = await tarballFiles(tarball)
  for (const required of ['package.json', 'README.md', 'LICENSE']) {
    if (!files.includes(required)) problems.push(`${required} is not in the tarball`)
  }
  // Every file an exports condition names must ship: `@resumable/source` and the source maps point into src/.
  for (const target of exportTargets(workspace.manifest.exports)) {
    if (!files.includes(target))
      problems.push(`exports names ${target}, which is not in the tarball`)
  }
  const bin = workspace.manifest.bin as Record<string, string> | undefined
  for (const [name, path] of Object.entries(bin ?? {})) {
    const file = path.replace(/^\.\//, '')
    if (!files.includes(file)) problems.push(`bin ${name} (${file}) is not in the tarball`)
    else {
      const head = (await readFile(join(workspace.dir, file), 'utf8')).split('\n', 1)[0]
      if (head !== '#!/usr/bin/env node') problems.push(`bin ${name} has no "#!/usr/bin/env node"`)
    }
  }
  const { messages, pkg } = await publint({
    pack: { tarball: (await readFile(tarball)).buffer as ArrayBuffer },
    level: 'suggestion',
    strict: true,
  })
  const publintLines = messages.map(
    (message) => `publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`,
  )
  const blocking = messages.filter((message) => message.type !== 'suggestion').length
  record(
    `lint ${workspace.manifest.name}`,
    problems.length === 0 && blocking === 0,
    performance.now() - t0,
    `${files.length} files; package.json fields ${problems.length ? `${problems.length} problems` : 'ok'}; publint ${messages.length ? `${messages.length} messages` : 'clean'}`,
    [...problems, ...publintLines].join('\n'),
  )
}

async function typesTarball(workspace: Workspace, tarball: string): Promise<void> {
  // node16 profile: ESM + CJS for node16/nodenext (from both module kinds) and bundlers. The
  // node10 column is ignored: `moduleResolution: node10` cannot see subpath exports (testkit/node).
  const result = await run(
    join(BIN, 'attw'),
    [tarball, '--profile', 'node16', '--format', 'ascii'],
    {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    },
  )
  record(
    `attw ${workspace.manifest.name}`,
    result.code === 0,
    result.ms,
    result.code === 0 ? 'no problems (node16 from CJS and ESM, bundler)' : 'problems',
    result.output,
  )
}

/**
 * The smoke test run inside the temp project: every package is loaded and does something real.
 * `load` is `import()` or `require`, so the same checks run against the ESM and the CJS builds.
 */
function smokeScript(kind: 'esm' | 'cjs'): string {
  const prelude =
    kind === 'esm'
      ? `const load = (name) => import(name)\nconst main = async () => {`
      : `const load = async (name) => require(name)\nconst main = async () => {`
  return `${prelude}
  const assert = await load('node:assert/strict')
  const fs = await load('node:fs')
  const os = await load('node:os')
  const path = await load('node:path')
  const loaded = []
  const core = await load('@resumable/core')
  const crc = core.crc64('crc64xz', new TextEncoder().encode('123456789'))
  assert.equal(crc, 0x995dc9bbdf1939fan, 'CRC-64/XZ check value')
  loaded.push('@resumable/core (crc64 check value ' + core.formatCrc64Hex(crc) + ')')

  const memory = await load('@resumable/store-memory')
  const testkit = await load('@resumable/testkit')
  const fetchTransport = await load('@resumable/transport-fetch')
  const oss = new testkit.MockOss()
  oss.putObject('examplebucket', 'small.bin', { generated: { size: 1024 * 1024, seed: 7 } })
  const target = new memory.MemoryTarget('small.bin')
  const mocked = await core.download({
    transport: fetchTransport.createUrlTransport({
      url: 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com/small.bin',
      fetch: testkit.createMockFetch(oss),
    }),
    target,
    checkpoint: new memory.MemoryCheckpointStore(),
    partSize: 256 * 1024,
    concurrency: 4,
  })
  assert.equal(mocked.verification.method, 'crc64xz')
  assert.equal(target.committed.length, 1024 * 1024)
  loaded.push('@resumable/store-memory + @resumable/testkit + @resumable/transport-fetch (mocked download, ' + mocked.partCount + ' parts, CRC verified)')

  const fsStore = await load('@resumable/store-fs')
  const testkitNode = await load('@resumable/testkit/node')
  const server = await testkitNode.startMockOss()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resumable-smoke-'))
  try {
    server.oss.putObject('examplebucket', 'big.bin', { generated: { size: 3 * 1024 * 1024, seed: 3 } })
    const destination = path.join(dir, 'big.bin')
    const onDisk = await core.download({
      transport: fetchTransport.createUrlTransport({ url: server.url + '/examplebucket/big.bin' }),
      target: new fsStore.FileTarget(destination),
      checkpoint: new fsStore.FileCheckpointStore(),
      partSize: 512 * 1024,
      concurrency: 4,
    })
    assert.equal(onDisk.verification.method, 'crc64xz')
    assert.equal(fs.statSync(destination).size, 3 * 1024 * 1024)
    loaded.push('@resumable/store-fs + @resumable/testkit/node (loopback download to a file, CRC verified)')
  } finally {
    await server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }

  const aliOssModule = await load('ali-oss')
  const OSS = aliOssModule.default ?? aliOssModule
  const aliOss = await load('@resumable/transport-ali-oss')
  const client = new OSS({ region: 'oss-cn-hangzhou', accessKeyId: 'id', accessKeySecret: 'secret', bucket: 'examplebucket' })
  const transport = aliOss.aliOssTransport(client, 'dir/object.bin')
  assert.equal(typeof transport.id, 'string')
  assert.equal(typeof transport.read, 'function')
  loaded.push('@resumable/transport-ali-oss (transport over an ali-oss client: ' + transport.id + ')')

  const cli = await load('@resumable/cli')
  assert.equal(cli.parseSize('8MiB'), 8 * 1024 * 1024)
  loaded.push('@resumable/cli (parseSize)')
  for (const line of loaded) console.log('loaded ' + line)
}
main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
`
}

/**
 * `resumable get` from the packed bin against the packed testkit's loopback server, on plain node:
 * one object, then a batch from a manifest and one from a prefix, and the status of the latter.
 */
const CLI_SCRIPT = `import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { startMockOss } from '@resumable/testkit/node'

// The command as a user of one runtime types it (RESUMABLE_COMMAND, a JSON array); else Node's bin.
const command = process.env.RESUMABLE_COMMAND
  ? JSON.parse(process.env.RESUMABLE_COMMAND)
  : [process.execPath, join(process.cwd(), 'node_modules', '.bin', 'resumable')]
const resumable = (args) => new Promise((resolve) => {
  spawn(command[0], [...command.slice(1), ...args], { stdio: 'inherit' }).on('close', resolve)
})
const resumableSync = (args) => spawnSync(command[0], [...command.slice(1), ...args], { encoding: 'utf8' })
const server = await startMockOss()
const dir = mkdtempSync(join(tmpdir(), 'resumable-cli-'))
try {
  server.oss.putObject('examplebucket', 'cli.bin', { generated: { size: 2 * 1024 * 1024, seed: 5 } })
  const destination = join(dir, 'cli.bin')
  // Spawned, not run synchronously: the server answering it lives in this process.
  const code = await resumable(['get', server.url + '/examplebucket/cli.bin', destination, '--part-size', '512KiB', '--quiet'])
  if (code !== 0) throw new Error('resumable get exited ' + code)
  if (statSync(destination).size !== 2 * 1024 * 1024) throw new Error('wrong size')
  // Both batch forms (a manifest's URL lines land at their paths): their flags live in modules of
  // their own, which a split build must not lose.
  for (const key of ['batch/a.bin', 'batch/sub/b.bin'])
    server.oss.putObject('examplebucket', key, { generated: { size: 300 * 1024, seed: key.length } })
  const manifest = join(dir, 'objects.txt')
  writeFileSync(manifest, ['a.bin', 'sub/b.bin'].map((k) => server.url + '/examplebucket/batch/' + k).join('\\n') + '\\n')
  const batches = [
    ['get', '--manifest', manifest, join(dir, 'listed') + '/', '--quiet'],
    ['get', 's3://examplebucket/batch/', join(dir, 'prefix') + '/', '--recursive', '--no-sign-request', '--endpoint', server.url, '--quiet'],
  ]
  for (const batch of batches) {
    const status = await resumable(batch)
    if (status !== 0) throw new Error('resumable ' + batch.slice(0, 2).join(' ') + ' exited ' + status)
  }
  for (const file of ['listed/examplebucket/batch/a.bin', 'listed/examplebucket/batch/sub/b.bin', 'prefix/a.bin', 'prefix/sub/b.bin'])
    if (statSync(join(dir, file)).size !== 300 * 1024) throw new Error('wrong size of ' + file)
  // status of a batch comes from a chunk of its own, loaded on demand.
  const status = resumableSync(['status', join(dir, 'prefix') + '/'])
  if (status.status !== 0 || !status.stdout.includes('2 object(s)'))
    throw new Error('resumable status exited ' + status.status + ': ' + status.stdout + status.stderr)
  const version = resumableSync(['--version'])
  if (version.status !== 0) throw new Error('resumable --version exited ' + version.status)
  console.log('resumable get (2 MiB over loopback), get --manifest, get --recursive and status ok; ' + version.stdout.trim())
} finally {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
}
`

/** Deno's own spelling: \`npm:\` specifiers, answered from the project's node_modules. */
function denoNpmScript(names: readonly string[]): string {
  return `${names.map((name, i) => `import * as m${i} from 'npm:${name}'`).join('\n')}
import * as node from 'npm:@resumable/testkit/node'
const modules = { ${names.map((name, i) => `'${name}': m${i}`).join(', ')}, '@resumable/testkit/node': node }
for (const [name, exports] of Object.entries(modules)) {
  if (Object.keys(exports).length === 0) throw new Error(name + ' has no exports')
  console.log('loaded ' + name + ' (' + Object.keys(exports).length + ' exports)')
}
const crc = modules['@resumable/core'].crc64('crc64xz', new TextEncoder().encode('123456789'))
if (crc !== 0x995dc9bbdf1939fan) throw new Error('wrong CRC-64/XZ: ' + crc.toString(16))
// msw (a testkit dependency) opens a BroadcastChannel on import, which Deno never unrefs.
Deno.exit(0)
`
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'resumable-check-'))
  const packDir = join(tmp, 'tarballs')
  const project = join(tmp, 'project')
  await mkdir(packDir)
  await mkdir(project)
  console.log(`check-packages: temp dir ${tmp}`)
  try {
    // 0. no import cycles: the split builds below would hoist a cycle's modules out of order
    const cyclesStarted = performance.now()
    const cycles = findImportCycles(ROOT)
    record(
      'no import cycles among the packages’ modules',
      cycles.length === 0,
      performance.now() - cyclesStarted,
      cycles.length === 0 ? 'every src/ module' : `${cycles.length} cycle(s)`,
      cycles.map((cycle) => [...cycle, cycle[0]].join(' -> ')).join('\n'),
    )

    // 1. build
    if (process.env.SKIP_BUILD) {
      record('build', true, 0, 'skipped (SKIP_BUILD)')
    } else {
      const build = await run(join(BIN, 'turbo'), ['run', 'build', '--output-logs=errors-only'])
      record('build', build.code === 0, build.ms, 'turbo run build', build.output)
      if (build.code !== 0) return
    }

    // 2. pack every public workspace
    const workspaces = await publicWorkspaces()
    const pack = await run('npm', [
      'pack',
      '--json',
      '--pack-destination',
      packDir,
      ...workspaces.flatMap((w) => ['--workspace', w.folder]),
    ])
    let packed: { name: string; filename: string }[] = []
    try {
      packed = JSON.parse(pack.output.slice(pack.output.indexOf('['))) as typeof packed
    } catch {
      // reported below
    }
    const tarballs = new Map(packed.map((p) => [p.name, join(packDir, p.filename)]))
    const allPacked = pack.code === 0 && workspaces.every((w) => tarballs.has(w.manifest.name))
    record(
      'npm pack',
      allPacked,
      pack.ms,
      `${tarballs.size} tarballs`,
      allPacked ? '' : pack.output,
    )
    if (!allPacked) return
    const tarballOf = (w: Workspace): string => tarballs.get(w.manifest.name) as string

    // 3. lint tarballs and 4. install them into a fresh project, side by side
    const dependencies: Record<string, string> = {}
    const overrides: Record<string, string> = {}
    for (const w of workspaces) {
      dependencies[w.manifest.name] = `file:${tarballOf(w)}`
      // Internal dependencies ("@resumable/core": "0.0.0") must resolve to the tarballs, never the registry.
      overrides[w.manifest.name] = `$${w.manifest.name}`
    }
    dependencies['ali-oss'] = '^6.23.0' // the peer dependency of transport-ali-oss
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify(
        {
          name: 'resumable-package-check',
          private: true,
          type: 'module',
          dependencies,
          overrides,
          allowScripts: { msw: false },
        },
        null,
        2,
      )}\n`,
    )
    const install = run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: project },
    ).then((result) => {
      record('npm install of the tarballs', result.code === 0, result.ms, project, result.output)
      return result.code === 0
    })
    const tsx = ['--import', 'tsx']
    const rehearsal =
      (name: string, args: readonly string[], detail: (output: string) => string) => async () => {
        const result = await run(process.execPath, args)
        record(
          name,
          result.code === 0,
          result.ms,
          result.code === 0 ? detail(result.output) : '',
          result.output,
        )
      }
    await pool(2, [
      ...workspaces.map((w) => () => lintTarball(w, tarballOf(w))),
      ...workspaces.map((w) => () => typesTarball(w, tarballOf(w))),
      rehearsal(
        'release dry run (changeset version + npm publish --dry-run)',
        [...tsx, 'scripts/release-dry-run.ts'],
        (out) =>
          out.includes('warning:')
            ? `ok, with warnings:\n${out
                .split('\n')
                .filter((l) => l.includes('warning:'))
                .join('\n')}`
            : 'every public package bumped, changelogged and publishable',
      ),
      rehearsal(
        'jsr publish --dry-run',
        [...tsx, 'scripts/jsr-publish.ts'],
        (out) => `${(out.match(/Simulating publish of/g) ?? []).length} packages, no slow types`,
      ),
      rehearsal(
        'typedoc (every export documented)',
        [join(BIN, 'typedoc'), '--out', join(tmp, 'api')],
        () => 'no undocumented exports',
      ),
    ])
    if (!(await install)) return

    // 5. load every package on every runtime, with import and with require
    await writeFile(join(project, 'smoke.mjs'), smokeScript('esm'))
    await writeFile(join(project, 'smoke.cjs'), smokeScript('cjs'))
    await writeFile(join(project, 'cli.mjs'), CLI_SCRIPT)
    await writeFile(
      join(project, 'deno-npm.mjs'),
      denoNpmScript(workspaces.map((w) => w.manifest.name)),
    )
    const deno = join(BIN, 'deno')
    const bun = join(BIN, 'bun')
    const denoArgs = ['run', '-A', '--node-modules-dir=manual', '--no-config']
    const runs: [name: string, command: string, args: string[], resumable?: string[]][] = [
      ['node import', process.execPath, ['smoke.mjs']],
      ['node require', process.execPath, ['smoke.cjs']],
      ['deno import', deno, [...denoArgs, 'smoke.mjs']],
      ['deno require', deno, [...denoArgs, 'smoke.cjs']],
      ['deno npm: specifiers', deno, [...denoArgs, 'deno-npm.mjs']],
      ['bun import', bun, ['smoke.mjs']],
      ['bun require', bun, ['smoke.cjs']],
      [
        'node resumable --help (packed bin)',
        process.execPath,
        ['node_modules/.bin/resumable', '--help'],
      ],
      ['node resumable get (packed bin)', process.execPath, ['cli.mjs']],
      // The same commands as a Bun or Deno user runs the installed package's bin.
      [
        'bun resumable get (bun x --bun resumable)',
        process.execPath,
        ['cli.mjs'],
        [bun, 'x', '--bun', 'resumable'],
      ],
      [
        'deno resumable get (deno run npm:@resumable/cli)',
        process.execPath,
        ['cli.mjs'],
        [deno, ...denoArgs, 'npm:@resumable/cli'],
      ],
    ]
    await pool(
      2,
      runs.map(([name, command, args, resumable]) => async () => {
        const env = { ...process.env, NO_COLOR: '1' }
        if (resumable) env.RESUMABLE_COMMAND = JSON.stringify(resumable)
        const result = await run(command, args, { cwd: project, env }, 90_000)
        const loaded = result.output
          .split('\n')
          .filter((line) => line.startsWith('loaded '))
          .map((line) => line.slice('loaded '.length).split(' (')[0])
        const detail = name.includes('--help')
          ? `exit ${result.code}, ${result.output.split('\n', 1)[0]}`
          : loaded.length
            ? loaded.join(', ')
            : (result.output.trim().split('\n').at(-1) ?? '')
        record(name, result.code === 0, result.ms, detail, result.output)
      }),
    )
  } finally {
    const failed = steps.filter((step) => !step.ok)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.log(
      `\ncheck-packages: ${steps.length - failed.length}/${steps.length} steps ok in ${seconds}s${failed.length ? `; FAILED: ${failed.map((s) => s.name).join(', ')}` : ''}`,
    )
    if (failed.length || steps.length === 0) process.exitCode = 1
    if (process.env.KEEP_TMP) console.log(`kept ${tmp}`)
    else await rm(tmp, { recursive: true, force: true })
  }
}

await main()
