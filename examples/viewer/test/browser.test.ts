// A real browser (Debian's chromium, driven by playwright-core; no browser is downloaded) logs
// in, opens a dashboard with real collected data, checks the graphs loaded, changes the range,
// and saves screenshots under test-output/.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { anyServer } from '../../../test/servers/index.js'
import { createViewer, type Viewer } from '../src/index.js'
import { launchBrowser } from './browser.js'
import { collectInto, freshPostgresStore, tenantNames } from './fixture.js'

const OUT = resolve(import.meta.dirname, '../../../test-output')
const t = tenantNames()
const PW = 'browser-password-1'
let drop: () => Promise<void>
let viewer: Viewer
let base: string
let ctx: BrowserContext
let profile: string
const cspErrors: string[] = []

// The little of the DOM that the page functions below use (the repo compiles without DOM types;
// these functions run in the browser).
interface Img {
  readonly complete: boolean
  readonly naturalWidth: number
  readonly naturalHeight: number
  readonly src: string
}
declare const document: {
  querySelectorAll(selector: string): Iterable<Img>
  querySelector(selector: string): Img | null
  readonly documentElement: { readonly scrollWidth: number }
}
declare const window: { readonly innerWidth: number }

beforeAll(async () => {
  const fresh = await freshPostgresStore(anyServer(), t)
  drop = fresh.drop
  // Real snapshots with a workload in between, so the graphs have lines.
  await collectInto(fresh.store, fresh.url, [{ schema: t.a, prefix: 'db1' }], 14, 1000)
  viewer = await createViewer({ store: fresh.url, log: () => {} })
  base = await viewer.listen(0)
  await viewer.addUser({ user: 'alice', schema: t.a, password: PW })
  profile = await mkdtemp(join(tmpdir(), 'pggraph-chromium-'))
  ctx = await launchBrowser(profile, { width: 1400, height: 1000 })
  await mkdir(OUT, { recursive: true })
}, 180_000)

afterAll(async () => {
  await ctx?.close()
  await viewer?.close()
  await drop?.()
  if (profile) await rm(profile, { recursive: true, force: true })
})

/** Every graph image of the page has loaded and has a size (an SVG that parsed and drew). */
async function graphsLoaded(page: Page): Promise<{ total: number; drawn: number }> {
  // Polled with evaluate: waitForFunction evaluates a string in the page, which our CSP refuses.
  const deadline = Date.now() + 60_000
  while (!(await page.evaluate(() => [...document.querySelectorAll('img[data-graph]')].every((i) => i.complete)))) {
    if (Date.now() > deadline) throw new Error('graphs did not load within 60 s')
    await new Promise((r) => setTimeout(r, 100))
  }
  return page.evaluate(() => {
    const imgs = [...document.querySelectorAll('img[data-graph]')]
    return { total: imgs.length, drawn: imgs.filter((i) => i.naturalWidth > 0 && i.naturalHeight > 0).length }
  })
}

describe('viewer in a real browser', () => {
  it('logs in, shows the dashboard graphs, changes the range, and fits a phone', async () => {
    const page = await ctx.newPage()
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text())
    })
    await page.goto(`${base}/`)
    expect(page.url()).toBe(`${base}/login`)
    await page.fill('#user', 'alice')
    await page.fill('#password', PW)
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')])
    expect(await page.locator('.systems li').count()).toBe(1)
    await Promise.all([page.waitForURL(/\/s\/.+\/db1$/), page.click('.systems a.name')])

    // Overview, last hour (the data is from the last minute: use a custom range around it).
    await Promise.all([page.waitForURL(/range=1h/), page.click('nav.ranges a:text-is("1h")')])
    const first = await graphsLoaded(page)
    expect(first.total).toBeGreaterThanOrEqual(6)
    expect(first.drawn).toBe(first.total)
    // The page itself may not fetch (CSP connect-src is 'none'): read the image through the
    // browser context's request API, which shares the session cookie.
    const src = await page.evaluate(() => document.querySelector('img[data-graph]')!.src)
    const svg = await (await page.request.get(src)).text()
    expect(svg).toMatch(/<svg[\s\S]+<path/)

    // Custom range covering the collected snapshots, through the form (in UTC, as the graphs).
    const from = await page.inputValue('input[name=from]')
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)
    const end = new Date(Date.now() + 60_000)
    const start = new Date(Date.now() - 3 * 60_000)
    const utc = (d: Date): string => d.toISOString().slice(0, 16)
    await page.fill('input[name=from]', utc(start))
    await page.fill('input[name=to]', utc(end))
    await Promise.all([page.waitForURL(/range=custom/), page.click('form.custom-range button')])
    const custom = await graphsLoaded(page)
    expect(custom.drawn).toBe(custom.total)
    await page.screenshot({ path: join(OUT, 'viewer-dashboard.png'), fullPage: true })

    // Another group and a preset range via links.
    await Promise.all([page.waitForURL(/group=activity/), page.click('nav.groups a:text-is("Activity")')])
    expect(page.url()).toMatch(/from=\d+&to=\d+/)
    await Promise.all([page.waitForURL(/range=6h/), page.click('nav.ranges a:text-is("6h")')])
    const activity = await graphsLoaded(page)
    expect(activity.drawn).toBe(activity.total)

    // A phone: no horizontal scrolling, graphs scaled to the width.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goBack()
    await graphsLoaded(page)
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)
    expect(fits).toBe(true)
    await page.screenshot({ path: join(OUT, 'viewer-phone.png') })
    expect(cspErrors).toEqual([])
  }, 120_000)
})
