// pg_stat_wal on every server that has it (14+): WAL writes and syncs move with a workload, and
// on 18, where they come from pg_stat_io, a reset of pg_stat_io alone is a reset of the row.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, withDatabase } from '../../../test/servers/index.js'
import { collect, wal } from '../src/index.js'
import { until } from './until.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')
const byMajor = embedded.map((s) => [s.major, s] as const)

describe.concurrent.each(byMajor)('pg_stat_wal on PostgreSQL %s', (major, srv) => {
  it.skipIf(major < 14)('counts WAL writes of a committing workload (pg_stat_wal exists from 14)', async () => {
    await withDatabase(srv, async (url) => {
      const db = await connect(url)
      try {
        const read = async () => (await collect(db, { collectors: [wal()] })).metrics.pg_stat_wal[0]!
        const before = await read()
        // synchronous_commit on: each commit writes and flushes WAL
        const w = await connect(url)
        await w.query('SET synchronous_commit = on; CREATE TABLE wal_t (x int)')
        for (let i = 0; i < 20; i++) await w.query('INSERT INTO wal_t VALUES ($1)', [i])
        await w.end()
        const after = await until('WAL writes to be counted', async () => {
          const r = await read()
          return (r.wal_write ?? 0) > (before.wal_write ?? 0) ? r : undefined
        })
        // the test servers run with fsync = off, which skips (and does not count) WAL syncs
        expect(after.wal_sync).toBeGreaterThanOrEqual(before.wal_sync!)
        expect(after.wal_bytes).toBeGreaterThan(before.wal_bytes!)
        expect(after.stats_reset).toBe(before.stats_reset)
      } finally {
        await db.end()
      }
    })
  })

  // sequential: after the first test, which a reset of pg_stat_io would disturb on 18
  it.skipIf(major < 18).sequential(
    "takes its reset time from pg_stat_io too (write/sync counters move there in 18; before, pg_stat_wal's own)",
    async () => {
      const db = await connect(srv.url)
      try {
        const read = async () => (await collect(db, { collectors: [wal()] })).metrics.pg_stat_wal[0]!
        const before = await read()
        await db.query("SELECT pg_stat_reset_shared('io')")
        const after = await read()
        expect(Date.parse(after.stats_reset!)).toBeGreaterThan(Date.parse(before.stats_reset ?? '1970-01-01'))
        const walOwn = await db.query<{ r: Date }>('SELECT stats_reset AS r FROM pg_stat_wal')
        expect(Date.parse(after.stats_reset!)).toBeGreaterThan(walOwn.rows[0]!.r.getTime())
        expect(after.wal_write ?? 0).toBeLessThanOrEqual(before.wal_write ?? 0)
        await db.query("SELECT pg_stat_reset_shared('wal')")
        const again = await read()
        expect(Date.parse(again.stats_reset!)).toBeGreaterThan(Date.parse(after.stats_reset!))
        expect(after.wal_bytes ?? 0).toBeGreaterThanOrEqual(again.wal_bytes ?? 0)
      } finally {
        await db.end()
      }
    },
  )
})
