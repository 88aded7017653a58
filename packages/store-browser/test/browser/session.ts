import { type MockOss, MockOss as MockOssModel } from '@resumable/testkit'
import { type CorsOptions, type MockOssServer, startMockOss } from '@resumable/testkit/node'
import type { BrowserContext, Page } from 'playwright-core'
import { type Pages, servePages } from './bundle.ts'
import type { Harness } from './harness/page.ts'

/** The bucket every browser test object lives in. */
export const BUCKET = 'browserbucket'
/** Where the example worker downloads to (examples/browser/messages.ts). */
export const DOWNLOADS = 'downloads'

/**
 * One page origin (`http://127.0.0.1:<port>`) and one object origin (`http://localhost:<port>`) on
 * the same loopback mock: different origins, so every object request is a real CORS request.
 * Each Site has its own port, so its OPFS and IndexedDB are its own.
 */
export interface Site {
  readonly oss: MockOss
  readonly server: MockOssServer
  readonly context: BrowserContext
  /** `http://127.0.0.1:<port>` */
  readonly pageOrigin: string
  objectUrl(key: string): string
  /** Opens the example page on `key`'s URL. */
  openExample(key: string): Promise<Page>
  /** Opens the harness page and returns a caller for its functions. */
  harness(): Promise<HarnessCaller>
  /** The page opened last. */
  lastPage(): Promise<Page>
  close(): Promise<void>
}

/** Calls a harness function in the page and returns its (structured-clonable) result. */
export type HarnessCaller = <K extends keyof Harness>(
  name: K,
  ...args: Parameters<Harness[K]>
) => Promise<Awaited<ReturnType<Harness[K]>>>

/** Starts a mock serving the bundled pages; pages opened through the Site close with it. */
export async function openSite(
  context: BrowserContext,
  pages: Pages,
  options: { cors?: CorsOptions; bytesPerSecondPerConnection?: number } = {},
): Promise<Site> {
  const serve = servePages(pages)
  const oss = new MockOssModel()
  oss.createBucket(BUCKET)
  const server = await startMockOss({
    oss,
    cors: options.cors ?? true,
    routes: (request) => redirectRoute(request) ?? serve(request),
    ...(options.bytesPerSecondPerConnection === undefined
      ? {}
      : { bytesPerSecondPerConnection: options.bytesPerSecondPerConnection }),
  })
  const opened: Page[] = []
  const pageOrigin = `http://127.0.0.1:${server.port}`
  const objectUrl = (key: string): string => `http://localhost:${server.port}/${BUCKET}/${key}`
  const watch = (page: Page): Page => {
    opened.push(page)
    page.on('pageerror', (error) => console.error(`[page error] ${error.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') console.error(`[console] ${m.text()}`)
    })
    return page
  }
  return {
    oss,
    server,
    context,
    pageOrigin,
    objectUrl,
    async openExample(key) {
      const page = watch(await context.newPage())
      await page.goto(`${pageOrigin}/examples/browser/?url=${encodeURIComponent(objectUrl(key))}`)
      return page
    },
    async harness() {
      const page = watch(await context.newPage())
      await page.goto(`${pageOrigin}/harness/`)
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' })
      return (name, ...args) =>
        page.evaluate(
          ([n, a]) => {
            const h = (
              globalThis as unknown as { harness: Record<string, (...x: unknown[]) => unknown> }
            ).harness
            return h[n as string]?.(...(a as unknown[]))
          },
          [name, args] as const,
        ) as never
    },
    async lastPage() {
      const page = opened[opened.length - 1]
      if (!page) throw new Error('no page opened yet')
      return page
    },
    async close() {
      await Promise.all(opened.map((page) => page.close()))
      await server.close()
    },
  }
}

/**
 * `/redirect/<key>` answers 302 to the bucket's `<key>` on the same origin, so a page on that
 * origin can be redirected without CORS in the way.
 */
function redirectRoute(request: Request): Response | undefined {
  const { pathname } = new URL(request.url)
  if (!pathname.startsWith('/redirect/')) return undefined
  return new Response(null, {
    status: 302,
    headers: { location: `/${BUCKET}/${pathname.slice('/redirect/'.length)}` },
  })
}

/** The example page's state once it is `state` (data-state on body). */
export async function waitForState(page: Page, state: string, timeout = 60_000): Promise<void> {
  await page.waitForSelector(`body[data-state="${state}"]`, { state: 'attached', timeout })
}

/** Waits until the example has saved a checkpoint holding at least `bytes` durable bytes. */
export async function waitForCheckpoint(page: Page, bytes: number): Promise<void> {
  await page.waitForFunction(
    (min) =>
      [...document.querySelectorAll('#log li[data-type="checkpoint-saved"]')].some(
        (li) => Number(/"durableBytes":(\d+)/.exec(li.textContent ?? '')?.[1]) >= min,
      ),
    bytes,
    { timeout: 60_000 },
  )
}

/** The done summary the example shows. */
export async function summaryOf(page: Page): Promise<{
  bytes: number
  resumedBytes: number
  fetchedBytes: number
  verification: string
  durationMs: number
  restarts: number
}> {
  return JSON.parse((await page.getAttribute('#status', 'data-summary')) ?? 'null')
}

/** Text of the example's event log entries of one type. */
export function eventsOf(page: Page, type: string): Promise<string[]> {
  return page.$$eval(`#log li[data-type="${type}"]`, (items) =>
    items.map((li) => li.textContent ?? ''),
  )
}

/**
 * Body bytes the mock was asked for (the union of the Range of every GET of `key`) after log index
 * `from`, each byte counted once: a tail split off a part in flight is asked for by two requests,
 * the part's own (which stops early) and the tail's.
 */
export function rangedBytesAfter(oss: MockOss, key: string, from: number): number {
  const ranges: [number, number][] = []
  for (const entry of oss.served.log.slice(from)) {
    if (entry.method !== 'GET' || entry.key !== key || entry.status !== 206) continue
    const m = /bytes=(\d+)-(\d+)/.exec(entry.range ?? '')
    if (m) ranges.push([Number(m[1]), Number(m[2])])
  }
  ranges.sort((a, b) => a[0] - b[0])
  let total = 0
  let reach = -1
  for (const [start, end] of ranges) {
    if (end > reach) total += end - Math.max(start, reach + 1) + 1
    reach = Math.max(reach, end)
  }
  return total
}
