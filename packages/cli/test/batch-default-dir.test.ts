import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { inNewDirectory, signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-default-dir-'))
})
after(() => stopSignedMock({ server, dir }))

describe('a batch without a destination directory', () => {
  it('--manifest saves into the current directory, as --recursive does', async () => {
    for (const [name, key] of [
      ['manifest', 'm/a.txt'],
      ['recursive', 'r/b.txt'],
    ] as const) {
      oss.putObject('here', key, { bytes: new TextEncoder().encode(`${name} bytes`) })
      const manifest = join(dir, `${name}.txt`)
      await writeFile(manifest, `s3://here/${key}\n`)
      const batch =
        name === 'manifest'
          ? ['--manifest', manifest]
          : [`s3://here/${key.split('/')[0]}/`, '--recursive']
      const here = join(dir, name)
      const run = signedEnv()
      const code = await inNewDirectory(here, () =>
        main(['get', ...batch, '--endpoint', server.url], run.cli),
      )
      assert.equal(code, 0, run.text())
      const saved = name === 'manifest' ? key : (key.split('/')[1] ?? '')
      assert.equal(await readFile(join(here, saved), 'utf8'), `${name} bytes`)
    }
  })
})
