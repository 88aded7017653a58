import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { type BrowserContext, chromium } from 'playwright-core'

/** Debian's `chromium` package; CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Why the browser tests cannot run here, or undefined when they can. Under CI=true a missing browser throws. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined
  const message =
    `Chromium not found at ${CHROMIUM_PATH}: the browser tests need it. Install it with ` +
    '`sudo apt-get update && sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH.'
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: not skipping)`)
  return message
}

/** A running Chromium: one persistent (on-disk, not incognito) profile in a new, empty directory. */
export interface Chromium {
  readonly context: BrowserContext
  readonly version: string
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>
}

/**
 * Headless Chromium with its background services off (this may run without a network). The
 * profile is a real one on disk, as a user's is: an incognito context keeps OPFS and IndexedDB in
 * memory and ignores storage quota overrides.
 */
export async function launchChromium(): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), 'store-browser-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    context,
    version: context.browser()?.version() ?? 'unknown',
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
