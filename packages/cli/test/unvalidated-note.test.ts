import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'
import {
  type AnswerHeaders,
  type RangedFileServer,
  startRangedFileServer,
} from './ranged-file-server.ts'

const bytes = makeBytes(300_000, 5)
let server: RangedFileServer
let dir = ''

before(async () => {
  const headersFor = (path: string): AnswerHeaders | undefined => {
    if (path === '/bare.bin') return { etag: '', 'last-modified': '' }
    if (path === '/dated.bin') return { etag: '' }
    return undefined
  }
  server = await startRangedFileServer(bytes, headersFor)
  dir = await mkdtemp(join(tmpdir(), 'cli-unvalidated-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

describe('a server that sends nothing to tell versions apart', () => {
  it('with no ETag, Last-Modified or checksum, the run says a same-size replacement cannot be noticed', async () => {
    const { cli, text } = fakeEnvironment({ files: filePlaces })
    assert.equal(await main(['get', `${server.url}/bare.bin`, join(dir, 'bare.bin')], cli), 0)
    assert.match(text(), /note: the server sends no ETag, no Last-Modified and no checksum/)
  })

  it('a Last-Modified alone is a validator: no note', async () => {
    const { cli, text } = fakeEnvironment({ files: filePlaces })
    assert.equal(await main(['get', `${server.url}/dated.bin`, join(dir, 'dated.bin')], cli), 0)
    assert.doesNotMatch(text(), /note: the server sends no ETag/)
  })
})
