// Attack (issue 10, item 9): one logged-in customer floods the shared viewer with uncached graph
// requests (distinct ranges, so every one reads the store and renders), and a writer fills its
// own tenant with thousands of invented databases. The flooding user must get 429 with
// Retry-After beyond its budget, at once; another tenant's graph in the same moment must
// succeed; /healthz must stay fast (rendering is off the request thread); and a pathological
// graph must come out bounded, saying what it left out. Real PostgreSQL store, real viewer over
// HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quoteIdent } from '@pggraph/core'
import { anyServer, connect } from '../../../test/servers/index.js'
import { createViewer, type Viewer } from '../src/index.js'
import { Client, type Reply } from './client.js'
import { collectedStore, tenantNames, type CollectedStore } from './fixture.js'

const t = tenantNames()
const PW = 'a-long-password-1'
let fresh: CollectedStore
let viewer: Viewer
let base: string
let alice: Client
let bob: Client

beforeAll(async () => {
  fresh = await collectedStore(anyServer(), t, 2, 1000)
  // The defaults: 4 running + 8 waiting per user, 8 + 16 per tenant, 16 + 64 in total.
  viewer = await createViewer({ store: fresh.access, log: () => {} })
  base = await viewer.listen(0)
  await viewer.addUser({ user: 'alice', schema: t.a, password: PW })
  await viewer.addUser({ user: 'bob', schema: t.b, password: PW })
  alice = new Client(base)
  bob = new Client(base)
  expect((await alice.login('alice', PW)).status).toBe(303)
  expect((await bob.login('bob', PW)).status).toBe(303)
})

afterAll(async () => {
  await viewer?.close()
  await fresh?.drop()
})

/** A graph of `schema`/`prefix` over a custom range of its own: never in the cache. */
function uncached(schema: string, prefix: string, graph: string, i: number): string {
  const to = Math.floor(Date.now() / 60_000) * 60_000 + 60_000
  return `/s/${schema}/${prefix}/graph/${graph}.svg?from=${to - 3_600_000 - i * 60_000}&to=${to}`
}

async function timed(c: Client, path: string): Promise<Reply & { ms: number }> {
  const t0 = performance.now()
  const r = await c.get(path)
  return { ...r, ms: performance.now() - t0 }
}

describe("one user's flood of uncached graphs", () => {
  it('is refused with 429 and Retry-After beyond its budget, while another tenant and /healthz are served', async () => {
    // A warm-up render starts the render threads, as any earlier visitor would have.
    expect((await bob.get(uncached(t.b, 'db1', 'database.transactions', 999))).status).toBe(200)

    // The flooding tenant's reads hang in the store (as slow queries over a long range would):
    // without a per-tenant cap they would hold every pooled connection, as they did before.
    const locker = await connect(fresh.url)
    await locker.query('BEGIN')
    await locker.query(`LOCK TABLE ${quoteIdent(t.a, 'schema')}."db1_pg_stat_database" IN ACCESS EXCLUSIVE MODE`)

    let flooding = true
    const health: number[] = []
    const probe = (async () => {
      while (flooding) {
        const t0 = performance.now()
        const r = await fetch(`${base}/healthz`)
        await r.text()
        expect(r.status).toBe(200)
        health.push(performance.now() - t0)
        await new Promise((r) => setTimeout(r, 10))
      }
    })()
    const done: (Reply & { ms: number })[] = []
    const flood = Array.from({ length: 36 }, (_, i) =>
      timed(alice, uncached(t.a, 'db1', 'database.transactions', i)).then((r) => {
        done.push(r)
        return r
      }),
    )
    // 4 running + 8 waiting are let in and hang on the lock; the other 24 are answered at once.
    for (let waited = 0; done.length < 24 && waited < 20_000; waited += 20) await new Promise((r) => setTimeout(r, 20))
    const theirs = await timed(bob, uncached(t.b, 'db1', 'database.transactions', 0))
    await locker.query('COMMIT')
    await locker.end()
    const replies = await Promise.all(flood)
    flooding = false
    await probe

    const refused = replies.filter((r) => r.status === 429)
    const served = replies.filter((r) => r.status === 200)
    expect(refused).toHaveLength(24)
    // The ones let in are served once their reads go through: no 500 after a pool timeout.
    expect(served).toHaveLength(12)
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(r.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
      expect(r.body).toContain('You have too many graphs loading at once')
      // Refused at once, not after waiting for a slot.
      expect(r.ms).toBeLessThan(2_000)
    }
    for (const r of served) expect(r.body).toMatch(/^<svg/)

    // The other tenant, asking while the flood holds its slots, is served, and soon.
    expect(theirs.status).toBe(200)
    expect(theirs.body).toMatch(/^<svg/)
    expect(theirs.ms).toBeLessThan(5_000)

    expect(health.length).toBeGreaterThan(0)
    expect(Math.max(...health)).toBeLessThan(500)

    // The flood is over: the same user is served again.
    expect((await alice.get(uncached(t.a, 'db1', 'database.transactions', 500))).status).toBe(200)
  })

  it('serves graphs already in the cache outside the budget', async () => {
    const path = uncached(t.a, 'db1', 'database.size', 1)
    expect((await alice.get(path)).status).toBe(200)
    const again = await Promise.all(Array.from({ length: 30 }, () => alice.get(path)))
    expect(again.map((r) => r.status)).toEqual(again.map(() => 200))
  })
})

describe('a graph over thousands of invented series', () => {
  it('is drawn bounded, with a note of what was left out', async () => {
    // As a writer could: 3,000 databases that do not exist, in every stored snapshot.
    const table = `${quoteIdent(t.b, 'schema')}.${quoteIdent('secret_pg_database', 'table')}`
    await fresh.store.query(
      `INSERT INTO ${table}
       SELECT (jsonb_populate_record(NULL::${table}, to_jsonb(d) || jsonb_build_object('datname', 'evil_' || g, 'size_bytes', g * 1000))).*
         FROM (SELECT DISTINCT ON ("time") * FROM ${table} ORDER BY "time") d, generate_series(1, 3000) g`,
    )
    const r = await timed(bob, uncached(t.b, 'secret', 'database.size', 0))
    expect(r.status).toBe(200)
    expect(r.body.length).toBeLessThan(4 * 1024 * 1024)
    // 3,000 invented databases and the real ones of the test server.
    expect(/Showing the 200 largest of 3,0\d\d series\./.test(r.body)).toBe(true)
    expect(r.body.includes('s: evil_3000"')).toBe(true)
    expect(r.body.includes('s: evil_1"')).toBe(false)
    expect(r.body.length).toBeLessThan(1024 * 1024)
  })
})
