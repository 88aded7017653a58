import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'

// Which of the runtime's own modules a process loaded is Node's to tell (process.moduleLoadList).
const onNode =
  typeof process !== 'undefined' &&
  process.release?.name === 'node' &&
  !('Bun' in globalThis) &&
  !('Deno' in globalThis)

const runFile = promisify(execFile)

let scratch = ''
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'store-fs-start-up-'))
})
after(async () => {
  await rm(scratch, { recursive: true, force: true })
})

it('writing and publishing a file never loads node:worker_threads (the write thread loads it when it starts)', {
  skip: onNode ? false : 'process.moduleLoadList is Node’s',
}, async () => {
  // Bundled, not run through tsx: tsx's loader itself runs on a worker thread.
  const { outputFiles } = await build({
    stdin: {
      contents: `
        import { readFileSync } from 'node:fs'
        import { FileTarget } from '@resumable/store-fs'
        const dest = ${JSON.stringify(join(scratch, 'a.bin'))}
        const target = new FileTarget(dest)
        await target.open({ size: 6, resume: false })
        await target.write(0, new Uint8Array([1, 2, 3, 4, 5, 6]))
        await target.sync()
        await target.commit()
        if (readFileSync(dest).length !== 6) throw new Error('not published')
        console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('worker_threads'))))
      `,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@resumable/source'],
    write: false,
    logLevel: 'warning',
  })
  const file = join(scratch, 'child.mjs')
  await writeFile(file, outputFiles[0]?.text ?? '')
  const { stdout } = await runFile(process.execPath, [file])
  assert.deepEqual(JSON.parse(stdout.trim()), [])
})
