import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// What is bad usage for one object is bad usage for a batch: exit 2 before the listing, not a
// failure of every object after it.

let server: MockOssServer
let oss: MockOss
let dir = ''
let key32 = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-usage-flags-'))
  oss.putObject('d', 'u/a.txt', { bytes: new TextEncoder().encode('a') })
  key32 = join(dir, 'key32')
  await writeFile(key32, Buffer.alloc(32, 7))
})
after(() => stopSignedMock({ server, dir }))

const at = (...args: string[]) => [...args, '--endpoint', server.url, '--region', 'cn-hangzhou']

describe('a flag a batch source cannot take', () => {
  const cases: ReadonlyArray<readonly [string, (dest: string) => string[], RegExp]> = [
    [
      'an unreadable --sse-c-key-file',
      (dest) => ['s3://d/u/', dest, '--recursive', '--sse-c-key-file', join(dir, 'nonexistent')],
      /--sse-c-key-file ".*nonexistent" cannot be read/,
    ],
    [
      'SSE-C with oss://',
      (dest) => ['oss://d/u/', dest, '--recursive', '--sse-c-key-file', key32],
      /SSE-C \(--sse-c-key-file, .*\) applies to s3:\/\/ sources only/,
    ],
    [
      '--traffic-limit with s3://',
      (dest) => ['s3://d/u/', dest, '--recursive', '--traffic-limit', '1MiB/s'],
      /--traffic-limit \(x-oss-traffic-limit\) applies to oss:\/\/ sources only/,
    ],
    [
      '--cname with s3://',
      (dest) => ['s3://d/u/', dest, '--recursive', '--cname'],
      /--cname .* applies to oss:\/\/ sources only/,
    ],
    [
      '--traffic-limit on a manifest line naming s3://',
      (dest) => ['--manifest', join(dir, 'manifest.txt'), dest, '--traffic-limit', '1MiB/s'],
      /manifest\.txt:2: --traffic-limit \(x-oss-traffic-limit\) applies to oss:\/\/ sources only/,
    ],
  ]
  for (const [name, args, message] of cases)
    it(`${name} is a usage error (exit 2) before anything is listed, fetched or created, dry run or not`, async () => {
      await writeFile(join(dir, 'manifest.txt'), 'oss://d/u/a.txt\ns3://d/u/b.txt\n')
      for (const dry of [[], ['--dry-run']]) {
        const dest = join(dir, `dest-${name.replace(/\W+/g, '-')}`)
        const requests = oss.served.log.length
        const env = signedEnv()
        assert.equal(await main(['get', ...at(...args(dest)), ...dry], env.cli), 2, env.text())
        assert.match(env.text(), /usage error: /)
        assert.match(env.text(), message)
        assert.doesNotMatch(env.text(), /failed: /)
        assert.equal(oss.served.log.length, requests, 'no request')
        assert.equal(existsSync(dest), false, 'no directory')
      }
    })
})
