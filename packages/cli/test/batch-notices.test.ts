import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-notices-'))
})
after(() => stopSignedMock({ server, dir }))

const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const lines = (out: string[]) =>
  out
    .join('')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe("a batch object's part checkpoint that cannot be used", () => {
  it('is said to be discarded, naming the object and why: a human line, and a checkpoint-discarded event with --json', async () => {
    oss.putObject('n', 'ck/big.bin', { generated: { size: 3 * 1024 * 1024, seed: 5 } })
    for (const json of [false, true]) {
      const dest = join(dir, `discard-${json}`)
      await mkdir(dest)
      await writeFile(join(dest, 'big.bin.resumable-part'), 'half of it')
      await writeFile(join(dest, 'big.bin.resumable.json'), 'not a checkpoint')
      const run = signedEnv()
      const args = ['s3://n/ck/', dest, '--recursive', '--part-size', '1MiB']
      assert.equal(await main(get(...args, ...(json ? ['--json'] : [])), run.cli), 0, run.text())
      if (!json) {
        assert.match(
          run.text(),
          /checkpoint discarded \(corrupt\) for "ck\/big\.bin": .+; starting it over/,
        )
        continue
      }
      const discarded = lines(run.out).filter((e) => e.type === 'checkpoint-discarded')
      assert.deepEqual(
        discarded.map((e) => [e.key, e.problem, typeof e.message]),
        [['ck/big.bin', 'corrupt', 'string']],
      )
    }
  })
})
