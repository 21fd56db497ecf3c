// Debian's Chromium driven by playwright-core (no browser download), with the flags this
// machine needs: headless as root, and no background traffic to hosts it cannot reach.
import { existsSync } from 'node:fs'
import { chromium, type BrowserContext } from 'playwright-core'

/** The browser binary: Debian's `chromium` package, or `PGGRAPH_CHROMIUM`. */
export const CHROMIUM = process.env['PGGRAPH_CHROMIUM'] ?? '/usr/bin/chromium'

/** Launch Chromium with a fresh profile folder at `profile` and the given window size. */
export async function launchBrowser(
  profile: string,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium).`)
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
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
}
