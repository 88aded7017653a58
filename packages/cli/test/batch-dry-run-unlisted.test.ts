import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { killWhileInParts, signedEnv, startSignedMock, stopSignedMock, tree } from './helpers.ts'

// A killed run's object deleted from the store: --dry-run says the next real run removes its
// part state, and removes nothing; the real run then removes exactly what it said.

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-dry-run-unlisted-'))
})
after(() => stopSignedMock({ server, dir }))

const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const MiB = 1024 * 1024

/** The JSON lines a run printed. */
function events(out: readonly string[]): Record<string, unknown>[] {
  return out
    .join('')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('--dry-run after an object a killed run was fetching left the listing', () => {
  it('reports the part state a real run would remove, removes nothing, and the real run removes exactly that', async () => {
    oss.putObject('u', 'd/big.bin', { bytes: new Uint8Array(2 * MiB).fill(7) })
    oss.putObject('u', 'd/small.txt', { bytes: new TextEncoder().encode('small') })
    const dest = join(dir, 'killed')
    await mkdir(dest)
    const state = ['big.bin.resumable-part', 'big.bin.resumable.json', 'big.bin.resumable.lock']
    await killWhileInParts(
      oss,
      'd/big.bin',
      get('s3://u/d/', dest, '--recursive', '--part-size', '512k', '--concurrency', '1'),
      dest,
      'big.bin',
    )
    oss.deleteObject('u', 'd/big.bin')
    const before = await tree(dest)

    // A filter that leaves out another key changes nothing: big.bin is gone from the listing.
    const filtered = signedEnv()
    assert.equal(
      await main(
        get('s3://u/d/', dest, '--recursive', '--exclude', 'small.txt', '--dry-run', '--json'),
        filtered.cli,
      ),
      0,
      filtered.text(),
    )
    const filteredDone = events(filtered.out).find((e) => e.type === 'dry-run-done')
    assert.deepEqual(filteredDone?.wouldRemoveUnlisted, ['big.bin'])

    const json = signedEnv()
    assert.equal(
      await main(get('s3://u/d/', dest, '--recursive', '--dry-run', '--json'), json.cli),
      0,
      json.text(),
    )
    const lines = events(json.out)
    assert.deepEqual(lines.find((e) => e.type === 'would-remove-unlisted')?.paths, ['big.bin'])
    assert.deepEqual(lines.find((e) => e.type === 'dry-run-done')?.wouldRemoveUnlisted, ['big.bin'])
    const text = signedEnv()
    assert.equal(
      await main(get('s3://u/d/', dest, '--recursive', '--dry-run'), text.cli),
      0,
      text.text(),
    )
    assert.match(
      text.out.join(''),
      /would remove the partial files, checkpoints and locks of 1 object\(s\) .*no longer listed: big\.bin/,
    )
    assert.deepEqual(await tree(dest), before, 'the dry runs touched nothing')

    const real = signedEnv()
    assert.equal(
      await main(get('s3://u/d/', dest, '--recursive', '--json'), real.cli),
      0,
      real.text(),
    )
    const done = events(real.out).find((e) => e.type === 'batch-done')
    assert.deepEqual(done?.removedUnlisted, ['big.bin'])
    for (const name of state) assert.equal(existsSync(join(dest, name)), false, `${name} removed`)
  })

  it('reports nothing to remove while a filter leaves the killed object out of a listing that still has it', async () => {
    oss.putObject('u', 'k/big.bin', { bytes: new Uint8Array(2 * MiB).fill(9) })
    oss.putObject('u', 'k/small.txt', { bytes: new TextEncoder().encode('small') })
    const dest = join(dir, 'filtered')
    await mkdir(dest)
    await killWhileInParts(
      oss,
      'k/big.bin',
      get('s3://u/k/', dest, '--recursive', '--part-size', '512k', '--concurrency', '1'),
      dest,
      'big.bin',
    )
    const json = signedEnv()
    assert.equal(
      await main(
        get('s3://u/k/', dest, '--recursive', '--exclude', 'big.bin', '--dry-run', '--json'),
        json.cli,
      ),
      0,
      json.text(),
    )
    const lines = events(json.out)
    assert.equal(
      lines.find((e) => e.type === 'would-remove-unlisted'),
      undefined,
    )
    assert.deepEqual(lines.find((e) => e.type === 'dry-run-done')?.wouldRemoveUnlisted, [])
  })
})
