// Runs store-browser and examples/browser in a real headless Chromium (Debian's package, driven by
// playwright-core). Node only: it drives the browser from outside.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { formatCrc64Hex } from '@resumable/core'
import { bundlePages, type Pages } from './bundle.ts'
import { type Chromium, chromiumMissing, launchChromium } from './chromium.ts'
import {
  BUCKET,
  DOWNLOADS,
  eventsOf,
  openSite,
  rangedBytesAfter,
  summaryOf,
  waitForCheckpoint,
  waitForState,
} from './session.ts'

const MIB = 1024 * 1024

/** Downloads `url` to `dest` in a child Node process (test/browser/node-download.ts). */
function runNode(url: string, dest: string): Promise<{ ms: number; verified: string }> {
  const script = fileURLToPath(new URL('./node-download.ts', import.meta.url))
  const args = ['--conditions=@resumable/source', '--import', 'tsx', script, url, dest]
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    ),
  )
}
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const missing = chromiumMissing()
if (missing) console.log(`# skipping the browser tests: ${missing}`)

describe('store-browser in headless Chromium', { skip: missing ?? false, timeout: 300_000 }, () => {
  let browser: Chromium
  let pages: Pages

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    ;[browser, pages] = await Promise.all([launchChromium(), bundlePages()])
  })
  after(async () => {
    await browser?.close()
  })

  it('OpfsTarget and IndexedDbCheckpointStore pass the testkit contract suites inside the browser', async (t) => {
    const site = await openSite(browser.context, pages)
    try {
      const call = await site.harness()
      const store = await call('storeContract')
      const target = await call('targetContract')
      assert.ok(store.length >= 6 && target.length >= 7, 'every case ran')
      for (const [suite, results] of [
        ['CheckpointStore on IndexedDB (page)', store],
        ['Target on OPFS (dedicated worker)', target],
      ] as const) {
        for (const r of results) {
          await t.test(`${suite}: ${r.name}`, () => assert.equal(r.error, undefined))
        }
      }
      const main = await call('openOnMainThread')
      assert.equal(main.name, 'TargetError')
      assert.match(main.message, /FileSystemSyncAccessHandle.*dedicated worker/)
      assert.deepEqual(main.left, [], 'no temporary file is created on the main thread')
    } finally {
      await site.close()
    }
  })

  it('the example downloads a 256 MiB object into OPFS byte-identical (CRC-64 of the OPFS file), and the Node figure from the same mock', async () => {
    const site = await openSite(browser.context, pages)
    const dir = await mkdtemp(join(tmpdir(), 'store-browser-bench-'))
    try {
      const object = site.oss.putObject(BUCKET, 'big.bin', {
        generated: { size: 256 * MIB, seed: 7 },
      })
      const page = await site.openExample('big.bin')
      await page.click('#start')
      await waitForState(page, 'done', 120_000)
      const summary = await summaryOf(page)
      assert.equal(summary.bytes, 256 * MIB)
      assert.equal(summary.verification, 'crc64xz')
      const call = await site.harness()
      const file = await call('fileCrc', DOWNLOADS, 'big.bin')
      assert.deepEqual(file, { size: 256 * MIB, crc: formatCrc64Hex(object.crc64 as bigint) })
      assert.deepEqual(await call('list', DOWNLOADS), ['big.bin'])

      // The Node figure: the same object from the same mock into a FileTarget, same engine
      // options, in its own process as Chromium is.
      const dest = join(dir, 'big.bin')
      const node = await runNode(site.objectUrl('big.bin'), dest)
      assert.equal(node.verified, 'crc64xz')
      assert.equal((await stat(dest)).size, 256 * MIB)
      const rate = (ms: number): number => Math.round((256 / (ms / 1000)) * 10) / 10
      const figures = {
        object: '256 MiB generated, loopback mock, 8 MiB parts, concurrency 8',
        chromium: {
          version: browser.version,
          ms: summary.durationMs,
          mibPerSecond: rate(summary.durationMs),
        },
        node: {
          version: process.version,
          ms: node.ms,
          mibPerSecond: rate(node.ms),
        },
      }
      console.log(`# throughput ${JSON.stringify(figures)}`)
      await writeFile(join(ARTIFACTS, 'throughput.json'), `${JSON.stringify(figures, null, 2)}\n`)
    } finally {
      await rm(dir, { recursive: true, force: true })
      await site.close()
    }
  })

  it('a page reloaded mid-download resumes from the IndexedDB checkpoint and fetches only the rest (counted by the mock), after a screenshot of the example', async () => {
    const site = await openSite(browser.context, pages, { bytesPerSecondPerConnection: 2 * MIB })
    try {
      const size = 64 * MIB
      const object = site.oss.putObject(BUCKET, 'reload.bin', { generated: { size, seed: 11 } })
      const page = await site.openExample('reload.bin')
      await page.click('#start')
      await waitForCheckpoint(page, 16 * MIB)
      await page.screenshot({ path: join(ARTIFACTS, 'example-mid-download.png') })
      await page.reload()
      await waitForState(page, 'paused')
      assert.match((await page.textContent('#status')) ?? '', /unfinished download of reload\.bin/)
      const before = site.oss.served.log.length
      await page.click('#start')
      await waitForState(page, 'done')
      const summary = await summaryOf(page)
      assert.ok(summary.resumedBytes >= 16 * MIB, `resumed ${summary.resumedBytes} bytes`)
      assert.equal(rangedBytesAfter(site.oss, 'reload.bin', before), size - summary.resumedBytes)
      assert.equal(summary.fetchedBytes, size - summary.resumedBytes)
      assert.equal((await eventsOf(page, 'start')).length, 1)
      const call = await site.harness()
      const file = await call('fileCrc', DOWNLOADS, 'reload.bin')
      assert.deepEqual(file, { size, crc: formatCrc64Hex(object.crc64 as bigint) })
    } finally {
      await site.close()
    }
  })

  it('a corrupt checkpoint in IndexedDB is discarded with a checkpoint-discarded event and the download starts over', async () => {
    const site = await openSite(browser.context, pages, { bytesPerSecondPerConnection: MIB / 2 })
    try {
      const size = 32 * MIB
      const object = site.oss.putObject(BUCKET, 'corrupt.bin', { generated: { size, seed: 13 } })
      const page = await site.openExample('corrupt.bin')
      await page.click('#start')
      await waitForCheckpoint(page, 4 * MIB)
      await page.click('#pause')
      await waitForState(page, 'paused')
      const call = await site.harness()
      assert.ok((await call('corruptCheckpoint', 'opfs:/downloads/corrupt.bin')) > 0)
      await page.click('#start')
      await waitForState(page, 'done')
      const discarded = await eventsOf(page, 'checkpoint-discarded')
      assert.equal(discarded.length, 1)
      assert.match(discarded[0] as string, /"problem":"corrupt"/)
      assert.equal((await summaryOf(page)).resumedBytes, 0)
      const file = await call('fileCrc', DOWNLOADS, 'corrupt.bin')
      assert.deepEqual(file, { size, crc: formatCrc64Hex(object.crc64 as bigint) })
    } finally {
      await site.close()
    }
  })

  it('an object changed between sessions is downloaded again from the start, and the new bytes land', async () => {
    const site = await openSite(browser.context, pages, { bytesPerSecondPerConnection: MIB / 2 })
    try {
      const size = 32 * MIB
      site.oss.putObject(BUCKET, 'changed.bin', { generated: { size, seed: 17 } })
      const page = await site.openExample('changed.bin')
      await page.click('#start')
      await waitForCheckpoint(page, 4 * MIB)
      await page.click('#pause')
      await waitForState(page, 'paused')
      const changed = site.oss.overwrite(BUCKET, 'changed.bin')
      const before = site.oss.served.log.length
      await page.click('#start')
      await waitForState(page, 'done')
      const discarded = await eventsOf(page, 'checkpoint-discarded')
      assert.equal(discarded.length, 1)
      assert.match(discarded[0] as string, /"problem":"stale"/)
      const summary = await summaryOf(page)
      assert.equal(summary.resumedBytes, 0)
      assert.equal(rangedBytesAfter(site.oss, 'changed.bin', before), size)
      assert.equal(summary.fetchedBytes, size)
      const call = await site.harness()
      const file = await call('fileCrc', DOWNLOADS, 'changed.bin')
      assert.deepEqual(file, { size, crc: formatCrc64Hex(changed.crc64 as bigint) })
    } finally {
      await site.close()
    }
  })

  it('over the storage quota (set with CDP Storage.overrideQuotaForOrigin) the download fails with TargetError no-space naming OpfsTarget.removeLeftovers, nothing is named as the destination, and removeLeftovers gives the space back', async () => {
    // Throttled, and a quota the first wave of parts (8 × 8 MiB, bytes 0 to 64 MiB) fits in: the
    // example checkpoints every 500 ms, so progress is durable before a later part's write fails.
    // A failure before any byte is durable has the engine delete the partial file itself (core's
    // engine.ts cleanUp), and then there would be nothing left to free.
    const site = await openSite(browser.context, pages, { bytesPerSecondPerConnection: 4 * MIB })
    try {
      site.oss.putObject(BUCKET, 'quota.bin', { generated: { size: 96 * MIB, seed: 19 } })
      const call = await site.harness()
      // navigator.storage.estimate() keeps reporting a large quota (Chromium does not reveal the
      // real one), but writes beyond the override fail with QuotaExceededError.
      const cdp = await site.context.newCDPSession(await site.lastPage())
      await cdp.send('Storage.overrideQuotaForOrigin', {
        origin: site.pageOrigin,
        quotaSize: 80 * MIB,
      })
      const page = await site.openExample('quota.bin')
      await page.click('#start')
      await waitForState(page, 'error')
      assert.equal(await page.getAttribute('#error', 'data-name'), 'TargetError')
      assert.equal(await page.getAttribute('#error', 'data-kind'), 'no-space')
      // A write into the temporary file hit the quota (not the open, not the commit).
      assert.match(
        (await page.textContent('#error')) ?? '',
        /Could not write to opfs:\/downloads\/quota\.bin\.resumable-part: QuotaExceededError/,
      )
      // The message names the way to free the space the failed download holds.
      assert.match(
        (await page.textContent('#error')) ?? '',
        /OpfsTarget\.removeLeftovers\("quota\.bin", \{ directory: "downloads" \}\)/,
      )
      assert.equal((await call('list', DOWNLOADS)).includes('quota.bin'), false)
      assert.equal(await call('fileCrc', DOWNLOADS, 'quota.bin'), null)
      // The partial file stays (to resume once space is freed) and holds the origin's quota...
      const partial = await call('fileCrc', DOWNLOADS, 'quota.bin.resumable-part')
      assert.ok(partial && partial.size > 0, `partial file: ${JSON.stringify(partial)}`)
      const before = await call('usage')
      // ...until removeLeftovers, from the page's main thread, deletes it and gives the space back.
      assert.equal(await call('removeLeftovers', 'quota.bin', DOWNLOADS), true)
      assert.deepEqual(await call('list', DOWNLOADS), [])
      const after = await call('usage')
      assert.ok(
        before - after >= partial.size,
        `usage ${before} -> ${after} after removing ${partial.size} bytes`,
      )
      assert.equal(await call('removeLeftovers', 'quota.bin', DOWNLOADS), false)
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: site.pageOrigin })
    } finally {
      await site.close()
    }
  })

  it('a redirect is followed natively without credentials, and refused with a typed error (nothing followed) when Basic credentials are bound to the URL', async () => {
    const site = await openSite(browser.context, pages)
    try {
      site.oss.putObject(BUCKET, 'small.bin', { generated: { size: 1000, seed: 3 } })
      const call = await site.harness()
      const url = `${site.pageOrigin}/redirect/small.bin`
      const before = site.oss.served.log.length
      assert.deepEqual(await call('statUrl', url, false), { size: 1000 })
      const followed = site.oss.served.log.length
      assert.ok(followed > before, 'the object was reached through the redirect')
      const refused = await call('statUrl', url, true)
      assert.ok('kind' in refused, JSON.stringify(refused))
      assert.equal(refused.name, 'TransportError')
      assert.equal(refused.kind, 'invalid-request')
      assert.match(refused.message, /does not tell where to.*give the URL the redirect leads to/)
      assert.doesNotMatch(refused.message, /pa55word/)
      assert.equal(site.oss.served.log.length, followed, 'no request reached the object')
    } finally {
      await site.close()
    }
  })

  it('a bucket whose CORS rule does not expose Content-Range fails at once with a CorsHeaderError naming the header and how to expose it', async () => {
    const site = await openSite(browser.context, pages, {
      cors: { hideExposedHeaders: ['Content-Range'] },
    })
    try {
      site.oss.putObject(BUCKET, 'hidden.bin', { generated: { size: 32 * MIB, seed: 23 } })
      const page = await site.openExample('hidden.bin')
      await page.click('#start')
      await waitForState(page, 'error')
      assert.equal(await page.getAttribute('#error', 'data-name'), 'CorsHeaderError')
      assert.equal(await page.getAttribute('#error', 'data-kind'), 'protocol')
      const message = (await page.textContent('#error')) ?? ''
      assert.match(message, /hides the Content-Range header/)
      assert.match(message, /Access-Control-Expose-Headers/)
      assert.match(message, /OSS .*Exposed Headers.*S3 .*ExposeHeaders/)
      // Failed on the first ranged GETs (4 parts of 8 MiB), not after rounds of retries.
      assert.ok((site.oss.served.byMethod.GET ?? 0) <= 4)
      assert.equal((await eventsOf(page, 'retry')).length, 0)
    } finally {
      await site.close()
    }
  })
})
