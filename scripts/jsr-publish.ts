/**
 * Publishes the JSR packages (those with a jsr.json) from a throwaway copy of this checkout that is
 * made a Deno workspace (each jsr.json becomes the member's deno.json), so members import each other
 * as `jsr:@resumable/…` and npm dependencies (e.g. msw) as `npm:`. Each member gets
 * its version from its package.json in the copy, so changesets stays the one source of versions,
 * and no deno.json sits in the repo (where it would change how `deno test` resolves packages).
 *
 *   node --import tsx scripts/jsr-publish.ts              dry run, offline: type check + slow types
 *   node --import tsx scripts/jsr-publish.ts --publish    the real publish (needs jsr.io and auth)
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { copyWorkingTree, ROOT, workspaces } from './working-copy.ts'

const publish = process.argv.includes('--publish')
const started = performance.now()

async function main(): Promise<boolean> {
  const tmp = await mkdtemp(join(tmpdir(), 'resumable-jsr-'))
  try {
    await copyWorkingTree(tmp)
    const members: string[] = []
    for (const w of await workspaces(tmp)) {
      const file = join(tmp, w.folder, 'jsr.json')
      if (!existsSync(file)) continue
      const jsr = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
      if (jsr.name !== w.manifest.name) {
        console.log(`FAIL ${w.folder}/jsr.json names ${jsr.name}, package.json ${w.manifest.name}`)
        return false
      }
      if (w.manifest.private === true) {
        console.log(`FAIL ${w.folder} is private but has a jsr.json`)
        return false
      }
      // As deno.json, a member is resolved by name: \`@resumable/core\` in store-fs becomes the
      // member's source (published as jsr:@resumable/core@^x.y.z), not node_modules' npm build.
      await rm(file)
      await writeFile(
        join(tmp, w.folder, 'deno.json'),
        `${JSON.stringify({ ...jsr, version: w.manifest.version }, null, 2)}\n`,
      )
      members.push(`./${w.folder}`)
    }
    await writeFile(join(tmp, 'deno.json'), `${JSON.stringify({ workspace: members }, null, 2)}\n`)
    const args = ['publish', '--allow-dirty', ...(publish ? [] : ['--dry-run'])]
    console.log(`jsr: deno ${args.join(' ')} for ${members.join(', ')}`)
    const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'deno'), args, {
      cwd: tmp,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })
    const output = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => !line.startsWith('   file://')) // the per-file listing
      .join('\n')
    console.log(output.trim())
    return result.status === 0
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

const ok = await main()
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(`jsr ${publish ? 'publish' : 'dry run'} ${ok ? 'ok' : 'FAILED'} in ${seconds}s`)
if (!ok) process.exitCode = 1
