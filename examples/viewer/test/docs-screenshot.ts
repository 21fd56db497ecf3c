// Makes docs/images/viewer-dashboard.png from real data: starts a PostgreSQL 17 (embedded, with
// pg_stat_statements), runs a small workload against it while the collector takes a snapshot
// every 10 s for a few minutes, stores them, and photographs the dashboard in Debian's chromium.
//   node --conditions=development --import tsx examples/viewer/test/docs-screenshot.ts [minutes]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { collect, defaultCollectors } from '@pggraph/collector'
import { installStore, openStore, writeSnapshot } from '@pggraph/store'
import { startServer } from '../../../test/servers/pg-server.js'
import { createViewer } from '../src/index.js'
import { launchBrowser } from './browser.js'

const minutes = Number(process.argv[2] ?? 4)
const out = resolve(import.meta.dirname, '../../../docs/images')
const target = await startServer(17)
const dir = await mkdtemp(join(tmpdir(), 'pggraph-shot-'))
let stop = false
try {
  const setup = new pg.Client({ connectionString: target.url })
  await setup.connect()
  await setup.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  await setup.query(
    'CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, amount numeric, note text, created timestamptz DEFAULT now())',
  )
  await setup.query('CREATE INDEX orders_customer ON orders (customer)')
  await setup.query('CREATE TABLE customers (id int PRIMARY KEY, name text)')
  await setup.query("INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 5000) g")
  await setup.end()

  // Four clients: inserts, index lookups, updates, a report with a seq scan; now and then a rollback.
  const clients = await Promise.all(
    [0, 1, 2, 3].map(async (n) => {
      const c = new pg.Client({ connectionString: target.url })
      await c.connect()
      return { c, n }
    }),
  )
  const work = clients.map(async ({ c, n }) => {
    for (let i = 0; !stop; i++) {
      const phase = Math.sin(Date.now() / 40_000) + 1.2
      if (n === 0)
        await c.query(
          'INSERT INTO orders (customer, amount, note) SELECT (random()*4999)::int + 1, random()*100, md5(random()::text) FROM generate_series(1, $1::int)',
          [Math.ceil(20 * phase)],
        )
      if (n === 1)
        await c.query('SELECT o.* FROM orders o JOIN customers c ON c.id = o.customer WHERE o.customer = $1', [
          1 + (i % 5000),
        ])
      if (n === 2)
        await c.query('UPDATE orders SET amount = amount + 1 WHERE id = (SELECT max(id) FROM orders) - $1', [i % 500])
      if (n === 3 && i % 20 === 0)
        await c.query('SELECT customer, sum(amount) FROM orders GROUP BY customer ORDER BY 2 DESC LIMIT 10')
      if (n === 3 && i % 50 === 0) {
        await c.query('BEGIN')
        await c.query('DELETE FROM orders WHERE id % 97 = 0')
        await c.query('ROLLBACK')
      }
      await new Promise((r) => setTimeout(r, 5 + 20 * (2.2 - phase)))
    }
  })

  const storeUrl = `pglite:${join(dir, 'store')}`
  const store = await openStore(storeUrl)
  const ns = { schema: 'acme', prefix: 'orders_db' }
  await installStore(store, { ...ns, host: 'db1.acme.example', database: 'postgres' })
  const collector = new pg.Client({ connectionString: target.url })
  await collector.connect()
  const start = Date.now()
  for (let i = 0; Date.now() - start < minutes * 60_000; i++) {
    const snap = await collect(collector, { collectors: defaultCollectors() })
    await writeSnapshot(store, ns, snap)
    process.stdout.write(`\rsnapshot ${i + 1}`)
    await new Promise((r) => setTimeout(r, 10_000))
  }
  await collector.end()
  stop = true
  await Promise.all(work)
  await Promise.all(clients.map(({ c }) => c.end()))
  await store.end()

  const viewer = await createViewer({ store: storeUrl, log: () => {} })
  const base = await viewer.listen(0)
  await viewer.addUser({ user: 'demo', schema: 'acme', password: 'demo-password-1' })
  const profile = await mkdtemp(join(tmpdir(), 'pggraph-chromium-'))
  const ctx = await launchBrowser(profile, { width: 1280, height: 900 })
  const page = await ctx.newPage()
  await page.goto(`${base}/login`)
  await page.fill('#user', 'demo')
  await page.fill('#password', 'demo-password-1')
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')])
  await page.screenshot({ path: join(out, 'viewer-systems.png'), clip: { x: 0, y: 0, width: 1280, height: 200 } })
  const from = start - 30_000
  const to = Date.now() + 30_000
  for (const group of ['overview', 'activity']) {
    await page.goto(`${base}/s/acme/orders_db?group=${group}&from=${from}&to=${to}`)
    await page.waitForLoadState('networkidle')
    await page.screenshot({
      path: join(out, `viewer-${group === 'overview' ? 'dashboard' : group}.png`),
      fullPage: true,
    })
  }
  await ctx.close()
  await rm(profile, { recursive: true, force: true })
  await viewer.close()
  console.log(`\nwrote ${out}/viewer-dashboard.png, viewer-activity.png, viewer-systems.png`)
} finally {
  stop = true
  await target.stop()
  await rm(dir, { recursive: true, force: true })
}
