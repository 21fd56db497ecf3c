// Viewer benchmark: a dashboard of all overview graphs for a system with 30 days of 1-minute
// data. Cold page time (every graph read from the store and rendered) against warm page time
// (the same page again: graphs from the in-memory cache), and an autocannon load test of warm
// dashboard requests (the page plus its graph images) on loopback. Run:
//   node --conditions=development --import tsx examples/viewer/bench/dashboard.bench.ts
// PGGRAPH_BENCH_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be a superuser.
import type { ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { addUser, openStoreAccess } from '../src/index.js'
import { benchDatabase, DATABASES, loadTenant, login, spawnViewer } from './bench-store.js'

const DAYS = 30
const RUNS = 5
const SCHEMA = 'vbench'
const PREFIX = 'sys1'

const db = await benchDatabase('bench_viewer', SCHEMA)
const storeUrl = db.url
let child: ChildProcess | undefined

/** Load a page the way a browser does: the HTML, then its images, 6 at a time. */
async function pageTime(base: string, cookie: string, path: string): Promise<{ ms: number; images: string[] }> {
  const t = performance.now()
  const res = await fetch(base + path, { headers: { cookie } })
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
  const images = [...(await res.text()).matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'))
  const queue = [...images]
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const r = await fetch(base + p, { headers: { cookie } })
        const body = await r.text()
        if (r.status !== 200 || !body.includes('<svg')) throw new Error(`${p}: ${r.status}`)
        if (body.includes('No data')) throw new Error(`${p} rendered a "no data" panel: the benchmark data is wrong`)
      }
    }),
  )
  return { ms: performance.now() - t, images }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

try {
  const loaded = await loadTenant(storeUrl, SCHEMA, PREFIX, DAYS)
  const access = await openStoreAccess(storeUrl, { poolSize: 1 })
  await addUser(access, { user: 'bench', schema: SCHEMA, password: 'bench-password-1' })
  await access.end()

  // The viewer in its own process, as `serve` runs it, so the load generator does not share its event loop.
  const started = await spawnViewer(storeUrl)
  child = started.child
  const base = started.base
  const cookie = await login(base, 'bench', 'bench-password-1')
  const dash = `/s/${SCHEMA}/${PREFIX}`
  await pageTime(base, cookie, `${dash}?range=1h`) // JIT and connection warm-up, not measured

  // Cold: each run a different 30-day range (a cache miss for every graph), same amount of data.
  const cold: number[] = []
  let images: string[] = []
  const end = Math.floor(Date.now() / 60_000) * 60_000
  for (let i = 0; i < RUNS; i++) {
    const to = end - i * 60_000
    const r = await pageTime(base, cookie, `${dash}?from=${to - DAYS * 86_400_000}&to=${to}`)
    cold.push(r.ms)
    images = r.images
  }
  // Warm: the last page again, graphs from the cache.
  const warm: number[] = []
  const lastTo = end - (RUNS - 1) * 60_000
  for (let i = 0; i < RUNS * 4; i++)
    warm.push((await pageTime(base, cookie, `${dash}?from=${lastTo - DAYS * 86_400_000}&to=${lastTo}`)).ms)
  const c = median(cold)
  const w = median(warm)

  // Load: autocannon cycles through the page and its images, warm, 10 connections, 10 s.
  const autocannon = createRequire(import.meta.url)('autocannon') as (opts: Record<string, unknown>) => Promise<{
    requests: { average: number; total: number }
    latency: { p99: number; p50: number }
    throughput: { average: number }
    non2xx: number
    errors: number
  }>
  const page = `${dash}?from=${lastTo - DAYS * 86_400_000}&to=${lastTo}`
  const loadTest = await autocannon({
    url: base,
    connections: 10,
    duration: 10,
    headers: { cookie },
    requests: [{ method: 'GET', path: page }, ...images.map((p) => ({ method: 'GET', path: p }))],
  })
  const sample = await fetch(base + images[0]!, { headers: { cookie } })
  await writeFile(resolve(import.meta.dirname, '../../../test-output/viewer-bench-30d.svg'), await sample.text()).catch(
    () => {},
  )
  console.log(
    `Store: PostgreSQL ${await db.serverVersion()}, ${loaded.rows.toLocaleString('en-US')} metric rows (${DAYS} days x 1440 snapshots x ${DATABASES.length} databases, 2 metrics) loaded in ${(loaded.ms / 1000).toFixed(1)} s`,
  )
  console.log(
    `Dashboard: ${images.length} overview graphs, 800 x 260 px, each page load = 1 HTML + ${images.length} SVG requests (6 in parallel, like a browser)`,
  )
  console.log('')
  console.log(
    '| dashboard (30 days, 1-minute data) | cold page | warm page | warm vs cold | load test: requests/s | p50 | p99 | non-2xx |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
  console.log(
    `| overview, ${images.length} graphs | ${c.toFixed(0)} ms | ${w.toFixed(1)} ms | ${(c / w).toFixed(0)}x faster | ${loadTest.requests.average.toFixed(0)} req/s (${(loadTest.requests.average / (images.length + 1)).toFixed(0)} dashboards/s, ${(loadTest.throughput.average / 1e6).toFixed(0)} MB/s) | ${loadTest.latency.p50} ms | ${loadTest.latency.p99} ms | ${loadTest.non2xx + loadTest.errors} |`,
  )
  if (c / w < 10) console.log(`\nWARNING: warm is only ${(c / w).toFixed(1)}x faster than cold (target 10x).`)
} finally {
  child?.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 300))
  await db.drop()
}
