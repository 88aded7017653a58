import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/** Files the test server answers outside the mock, by URL path. */
export type Pages = ReadonlyMap<
  string,
  { readonly body: Uint8Array<ArrayBuffer>; readonly type: string }
>

const HARNESS_HTML =
  '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>harness</title><script type="module" src="./page.js"></script>'

/** Bundles the example page, its worker and the test harness for the browser (sources, no build). */
export async function bundlePages(): Promise<Pages> {
  const result = await build({
    entryPoints: {
      'examples/browser/main': here('../../../../examples/browser/main.ts'),
      'examples/browser/worker': here('../../../../examples/browser/worker.ts'),
      'harness/page': here('./harness/page.ts'),
      'harness/worker': here('./harness/worker.ts'),
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@resumable/source'],
    // The contract suites assert with node:assert, which a page does not have.
    alias: { 'node:assert/strict': here('./harness/assert-shim.ts') },
    outdir: '/',
    write: false,
    logLevel: 'warning',
  })
  const js = 'text/javascript; charset=utf-8'
  const html = 'text/html; charset=utf-8'
  const pages = new Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>()
  for (const file of result.outputFiles)
    pages.set(file.path, { body: new Uint8Array(file.contents), type: js })
  const index = await readFile(here('../../../../examples/browser/index.html'))
  pages.set('/examples/browser/', { body: new Uint8Array(index), type: html })
  pages.set('/harness/', { body: new TextEncoder().encode(HARNESS_HTML), type: html })
  return pages
}

/** A `routes` handler for startMockOss that serves the bundled pages. */
export function servePages(pages: Pages): (request: Request) => Response | undefined {
  return (request) => {
    const page = pages.get(new URL(request.url).pathname)
    if (!page) return undefined
    return new Response(page.body, {
      headers: { 'content-type': page.type, 'cache-control': 'no-store' },
    })
  }
}
