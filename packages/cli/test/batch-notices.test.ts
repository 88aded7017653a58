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

describe('batch --json events as the README documents them', () => {
  it("an exists failure's message names the CLI's flags (--update or --force), as the human line does, not the library's options", async () => {
    oss.putObject('n', 'ex/a.txt', { bytes: new TextEncoder().encode('from the store') })
    const dest = join(dir, 'exists')
    await mkdir(dest)
    await writeFile(join(dest, 'a.txt'), 'mine')
    const run = signedEnv()
    assert.equal(await main(get('s3://n/ex/', dest, '--recursive', '--json'), run.cli), 1)
    const events = lines(run.out)
    const failed = events.find((e) => e.type === 'object-failed')
    const done = events.find((e) => e.type === 'batch-done') as { failures: { message: string }[] }
    for (const message of [failed?.message, done.failures[0]?.message]) {
      assert.match(String(message), /\(--update or --force\)$/)
      assert.doesNotMatch(String(message), /overwrite\)/)
    }
  })

  it('batch-progress always has etaSeconds, null while unknown (a manifest gives no sizes), and sizesUnknown', async () => {
    oss.putObject('n', 'pr/a.txt', { bytes: new TextEncoder().encode('a') })
    const manifest = join(dir, 'progress.txt')
    await writeFile(manifest, 's3://n/pr/a.txt\n')
    const run = signedEnv()
    const dest = join(dir, 'progress')
    assert.equal(await main(get('--manifest', manifest, dest, '--json'), run.cli), 0, run.text())
    const progress = lines(run.out).filter((e) => e.type === 'batch-progress')
    assert.ok(progress.length > 0)
    for (const p of progress) {
      assert.equal(p.etaSeconds, null)
      assert.equal(typeof p.sizesUnknown, 'number')
    }
  })
})
