/**
 * Rehearses a release without touching this checkout or the registry: copies the working tree
 * (tracked and untracked, not ignored) to a temp dir with node_modules symlinked, adds a changeset
 * that patches every public package, runs `changeset version` there, asserts that every public
 * package got a higher version and a CHANGELOG.md and that internal dependency ranges (in private
 * workspaces too) follow, then runs `npm publish --dry-run` for every public workspace. The real
 * changesets in .changeset/ are copied, never consumed.
 *
 *   node --import tsx scripts/release-dry-run.ts           (npm run release:dry-run)
 *   Needs dist/ (npm run build) — it is copied, not rebuilt. KEEP_TMP=1 keeps the copy.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { copyWorkingTree, ROOT, workspaces } from './working-copy.ts'

const DEPENDENCY_FIELDS = [
  'dependencies',
  'peerDependencies',
  'optionalDependencies',
  'devDependencies',
]

const problems: string[] = []
const warnings: string[] = []
const started = performance.now()

function check(ok: boolean, problem: string): void {
  if (!ok) problems.push(problem)
}

/** -1, 0 or 1 as `a` is lower than, equal to or higher than `b` (plain x.y.z versions). */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number)
  const pb = b.split(/[.-]/).map(Number)
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${output}`)
  }
  return output
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'resumable-release-'))
  try {
    const before = await workspaces(ROOT)
    const publics = before.filter((w) => w.manifest.private !== true)
    const realChangesets = (await readdir(join(ROOT, '.changeset'))).filter((f) =>
      f.endsWith('.md'),
    )

    for (const w of publics) {
      if (!existsSync(join(ROOT, w.folder, 'dist'))) {
        throw new Error(`${w.folder}/dist is missing: run npm run build first`)
      }
    }
    const copied = await copyWorkingTree(tmp)
    for (const w of publics) {
      await cp(join(ROOT, w.folder, 'dist'), join(tmp, w.folder, 'dist'), { recursive: true })
    }
    console.log(`release dry run: copied ${copied} files to ${tmp}`)

    // A patch for every public package on top of the real changesets, so every package is released
    // whatever is pending.
    await writeFile(
      join(tmp, '.changeset', 'release-dry-run.md'),
      `---\n${publics.map((w) => `"${w.manifest.name}": patch`).join('\n')}\n---\n\nRelease dry run.\n`,
    )
    run(join(ROOT, 'node_modules', '.bin', 'changeset'), ['version'], tmp)

    const after = new Map((await workspaces(tmp)).map((w) => [w.manifest.name, w]))
    const newVersions = new Map([...after].map(([name, w]) => [name, w.manifest.version]))
    for (const w of publics) {
      const bumped = after.get(w.manifest.name)
      const version = bumped?.manifest.version ?? '?'
      check(
        compareVersions(version, w.manifest.version) > 0,
        `${w.manifest.name}: version ${w.manifest.version} was not bumped (now ${version})`,
      )
      const changelog = join(tmp, w.folder, 'CHANGELOG.md')
      check(
        existsSync(changelog) && (await readFile(changelog, 'utf8')).includes(`## ${version}`),
        `${w.manifest.name}: no CHANGELOG.md with a "## ${version}" entry`,
      )
      console.log(`  ${w.manifest.name} ${w.manifest.version} -> ${version}, CHANGELOG.md written`)
    }
    // Internal ranges, in public and private workspaces alike, must name the new versions, or npm
    // would fetch an old version from the registry instead of linking the workspace.
    for (const w of after.values()) {
      for (const field of DEPENDENCY_FIELDS) {
        const deps = (w.manifest[field] ?? {}) as Record<string, string>
        for (const [name, range] of Object.entries(deps)) {
          const version = newVersions.get(name)
          if (version === undefined) continue
          check(
            range.replace(/^[\^~]/, '') === version,
            `${w.manifest.name}: ${field}.${name} is "${range}", not the released ${version}`,
          )
        }
      }
    }
    // The root is no workspace, so changesets never updates its ranges: a pinned internal version
    // there stops matching the workspace after a release and npm would look for it in the registry.
    const rootManifest = JSON.parse(await readFile(join(tmp, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >
    for (const field of DEPENDENCY_FIELDS) {
      const deps = (rootManifest[field] ?? {}) as Record<string, string>
      for (const [name, range] of Object.entries(deps)) {
        const version = newVersions.get(name)
        if (version !== undefined && range !== '*' && range.replace(/^[\^~]/, '') !== version) {
          warnings.push(
            `root package.json ${field}.${name} is "${range}" and is not updated by changesets (use "*")`,
          )
        }
      }
    }
    const leftover = (await readdir(join(tmp, '.changeset'))).filter(
      (f) => f.endsWith('.md') && f !== 'README.md',
    )
    check(leftover.length === 0, `changesets not consumed in the copy: ${leftover.join(', ')}`)
    const realNow = (await readdir(join(ROOT, '.changeset'))).filter((f) => f.endsWith('.md'))
    check(realNow.length === realChangesets.length, 'the real .changeset/ folder changed')

    // What `changeset publish` would hand to npm: every public workspace, and nothing private.
    const published = run(
      'npm',
      [
        'publish',
        '--dry-run',
        '--no-git-checks',
        '--tag',
        'dry-run',
        ...publics.flatMap((w) => ['--workspace', w.folder]),
      ],
      tmp,
    )
    for (const w of publics) {
      const version = newVersions.get(w.manifest.name)
      check(
        published.includes(`+ ${w.manifest.name}@${version}`),
        `npm publish --dry-run did not publish ${w.manifest.name}@${version}`,
      )
    }
    for (const w of before.filter((p) => p.manifest.private === true)) {
      check(
        !published.includes(`+ ${w.manifest.name}@`),
        `${w.manifest.name} is private but was published`,
      )
    }
    console.log(`  npm publish --dry-run: ${publics.length} public packages, no private ones`)
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error))
  } finally {
    if (process.env.KEEP_TMP) console.log(`kept ${tmp}`)
    else await rm(tmp, { recursive: true, force: true })
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  for (const warning of warnings) console.log(`  warning: ${warning}`)
  if (problems.length) {
    console.log(
      `release dry run FAILED in ${seconds}s:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    )
    process.exitCode = 1
  } else {
    console.log(`release dry run ok in ${seconds}s`)
  }
}

await main()
