// The viewer on the embedded store (PGlite in a folder): roles and SET ROLE are enforced there
// too, so tenant isolation holds without a PostgreSQL server.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, readSeries, type StoreConnection } from '@pggraph/store'
import { anyServer, withDatabase } from '../../../test/servers/index.js'
import { createViewer, storeAccessFrom, type StoreAccess, type Viewer } from '../src/index.js'
import { readerRoleOf } from '../src/systems.js'
import { Client } from './client.js'
import { collectInto, installTenants } from './fixture.js'

const t = { a: 'pa', b: 'pb' }
const PW = 'pglite-password-1'
let dir: string
let viewer: Viewer
let access: StoreAccess
let base: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pggraph-viewer-pglite-'))
  const url = `pglite:${join(dir, 'store')}`
  const store: StoreConnection = await openStore(url)
  access = storeAccessFrom(store)
  {
    await installTenants(store, t)
    // Real snapshots of a real server, written into the embedded store.
    await withDatabase(anyServer(), (target) =>
      collectInto(
        store,
        target,
        [
          { schema: t.a, prefix: 'db1' },
          { schema: t.b, prefix: 'secret' },
        ],
        2,
        1000,
      ),
    )
  }
  // The store stays open and is shared, as in the quickstart (its bridge writes while the viewer reads).
  viewer = await createViewer({ store: access, log: () => {} })
  base = await viewer.listen(0)
  await viewer.addUser({ user: 'alice', schema: t.a, password: PW })
}, 180_000)

afterAll(async () => {
  await viewer?.close()
  await access?.end()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('viewer on the embedded PGlite store', () => {
  it('logs in and renders a graph', async () => {
    const c = new Client(base)
    expect((await c.login('alice', PW)).status).toBe(303)
    const home = await c.get('/')
    expect(home.body).toContain(`/s/${t.a}/db1`)
    expect(home.body).not.toContain(`/s/${t.b}/`)
    const img = await c.get(`/s/${t.a}/db1/graph/database.transactions.svg?range=1h`)
    expect(img.status).toBe(200)
    expect(img.body).toContain('<svg')
    expect((await c.get(`/s/${t.b}/secret`)).status).toBe(404)
  })

  it("enforces the reader role: tenant A's role cannot read tenant B", async () => {
    const now = Date.now()
    const q = { metric: 'pg_stat_database', columns: ['xact_commit'], from: now - 3_600_000, to: now + 60_000 }
    const own = await viewer.store.asRole(readerRoleOf(t.a), (db) => readSeries(db, { schema: t.a, prefix: 'db1' }, q))
    expect(own.series.length).toBeGreaterThan(0)
    await expect(
      viewer.store.asRole(readerRoleOf(t.a), (db) => readSeries(db, { schema: t.b, prefix: 'secret' }, q)),
    ).rejects.toThrow(/permission|denied|privilege/i)
    await expect(
      viewer.store.asRole(readerRoleOf(t.a), (db) => db.query('SELECT * FROM pggraph_admin.viewer_users')),
    ).rejects.toThrow(/permission denied/i)
    await expect(
      viewer.store.asRole(readerRoleOf(t.a), (db) => db.query(`DELETE FROM ${t.a}.sources`)),
    ).rejects.toThrow(/read-only|permission/i)
  })
})
