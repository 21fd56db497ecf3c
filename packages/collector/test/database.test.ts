// pg_stat_database on every server: the shared-objects row (datid 0) is kept under its own label
// and moves when the shared catalogs are read.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { SHARED_OBJECTS, collect, database } from '../src/index.js'
import { until } from './until.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')

describe.concurrent.each(embedded.map((s) => [s.major, s] as const))('pg_stat_database on PostgreSQL %s', (_, srv) => {
  it(`keeps the shared catalogs' row as ${SHARED_OBJECTS}, and it counts their block reads`, async () => {
    await withDatabase(srv, async (url, name) => {
      const db = await connect(url)
      try {
        const shared = async () => {
          const snap = await collect(db, { collectors: [database()] })
          const rows = snap.metrics.pg_stat_database
          expect(rows.filter((r) => r.datname === SHARED_OBJECTS)).toHaveLength(1)
          expect(rows.some((r) => r.datname === name)).toBe(true)
          expect(rows.some((r) => r.datname === '')).toBe(false)
          const row = rows.find((r) => r.datname === SHARED_OBJECTS)!
          expect(row.xact_commit).toBe(0)
          return row
        }
        const before = await shared()
        const blocks = (r: typeof before) => (r.blks_hit ?? 0) + (r.blks_read ?? 0)
        // a backend reading shared catalogs: its statistics are sent when it ends
        const w = await connect(url)
        await w.query('SELECT count(*) FROM pg_authid, pg_database, pg_shdepend, pg_shdescription')
        await w.end()
        const after = await until('shared catalog reads to be counted', async () => {
          const r = await shared()
          return blocks(r) > blocks(before) ? r : undefined
        })
        expect(blocks(after)).toBeGreaterThan(blocks(before))
      } finally {
        await db.end()
      }
    })
  })
})
