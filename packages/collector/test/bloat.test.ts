// Bloat on every server, made for real: a table with 90% of its rows deleted (VACUUMed and
// ANALYZEd, so relpages stays and reltuples drops) against a fresh copy of the same rows, for the
// heap and its B-tree index; pgstattuple_approx for a superuser or pg_monitor, the estimate for a
// role without; the top N bounded in SQL; a hostile table name kept as a label.
import { describe, expect, it } from 'vitest'
import { connect, pgServers, randomName, urlWith, withDatabase } from '../../../test/servers/index.js'
import { bloat, collect, pgIndexBloat, pgTableBloat } from '../src/index.js'

const embedded = pgServers().filter((s) => s.kind === 'embedded')

const HOSTILE = `we'ird "name`
const WORKLOAD = `CREATE TABLE bl_fresh (id int PRIMARY KEY, v text);
  INSERT INTO bl_fresh SELECT g, repeat('x', 40) FROM generate_series(1, 20000) g;
  CREATE TABLE bl_bloated (id int PRIMARY KEY, v text);
  INSERT INTO bl_bloated SELECT g, repeat('x', 40) FROM generate_series(1, 20000) g;
  DELETE FROM bl_bloated WHERE id % 10 <> 0;
  CREATE TABLE "we'ird ""name" (id int PRIMARY KEY, v text);
  INSERT INTO "we'ird ""name" SELECT g, repeat('x', 40) FROM generate_series(1, 5000) g;
  DELETE FROM "we'ird ""name" WHERE id % 2 = 0`
const ANALYZE = ['bl_fresh', 'bl_bloated', `"we'ird ""name"`].map((t) => `VACUUM ANALYZE ${t}`)

type Row = {
  relname: string
  schemaname: string
  method: string
  wasted_ratio: number | null
  wasted_bytes: number
  table_bytes: number
}

describe.each(embedded.map((s) => [s.major, s] as const))('bloat on PostgreSQL %s', (_, srv) => {
  it('estimates a bloated table and index above a fresh copy; pgstattuple_approx only where the role may run it', async () => {
    await withDatabase(srv, async (url, name) => {
      const db = await connect(url)
      const reader = randomName('rd')
      try {
        await db.query(WORKLOAD)
        for (const q of ANALYZE) await db.query(q)
        // the estimate alone (no extension in the database)
        const est = await collect(db, { collectors: [bloat()] })
        expect(est.skipped).toEqual([])
        const t = Object.fromEntries((est.metrics.pg_table_bloat as readonly Row[]).map((r) => [r.relname, r]))
        expect(t['bl_bloated']).toMatchObject({ datname: name, schemaname: 'public', method: 'estimate' })
        expect(t['bl_fresh']?.method).toBe('estimate')
        expect(t['bl_bloated']!.wasted_ratio!).toBeGreaterThan(0.7)
        expect(t['bl_fresh']!.wasted_ratio!).toBeLessThan(0.3)
        expect(t['bl_bloated']!.wasted_bytes).toBeGreaterThan(t['bl_fresh']!.wasted_bytes)
        expect(t[HOSTILE]?.schemaname).toBe('public')
        const i = Object.fromEntries(est.metrics.pg_index_bloat.map((r) => [r.indexrelname, r]))
        expect(i['bl_bloated_pkey']).toMatchObject({ datname: name, relname: 'bl_bloated', method: 'estimate' })
        expect(i['bl_bloated_pkey']!.wasted_ratio!).toBeGreaterThan(0.5)
        expect(i['bl_bloated_pkey']!.wasted_ratio!).toBeGreaterThan(i['bl_fresh_pkey']!.wasted_ratio! + 0.3)

        // with pgstattuple installed: the superuser measures the top tables with it
        await db.query('CREATE EXTENSION pgstattuple')
        const approx = await collect(db, { collectors: [bloat()] })
        const a = Object.fromEntries((approx.metrics.pg_table_bloat as readonly Row[]).map((r) => [r.relname, r]))
        expect(a['bl_bloated']!.method).toBe('pgstattuple_approx')
        expect(a['bl_fresh']!.method).toBe('pgstattuple_approx')
        expect(a['bl_bloated']!.wasted_ratio!).toBeGreaterThan(0.7)
        expect(a['bl_fresh']!.wasted_ratio!).toBeLessThan(0.3)
        // pgstattuple: false, or a table above approxMaxBytes, keeps the estimate
        const off = await collect(db, { collectors: [bloat({ pgstattuple: false })] })
        expect(new Set(off.metrics.pg_table_bloat.map((r) => r.method))).toEqual(new Set(['estimate']))
        const small = await collect(db, { collectors: [bloat({ approxMaxBytes: 0 })] })
        expect(new Set(small.metrics.pg_table_bloat.map((r) => r.method))).toEqual(new Set(['estimate']))

        // a role that may read the tables (so their pg_stats) but not run pgstattuple_approx
        await db.query(`CREATE ROLE ${reader} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader}`)
        const c = await connect(urlWith(url, { user: reader }))
        try {
          const fb = await collect(c, { collectors: [bloat()] })
          expect(fb.skipped).toEqual([])
          const f = Object.fromEntries((fb.metrics.pg_table_bloat as readonly Row[]).map((r) => [r.relname, r]))
          expect(f['bl_bloated']!.method).toBe('estimate')
          expect(f['bl_bloated']!.wasted_ratio).toBeCloseTo(t['bl_bloated']!.wasted_ratio!, 9)
          expect(f['bl_fresh']!.method).toBe('estimate')
        } finally {
          await c.end()
        }
        // granted pg_monitor (so pg_stat_scan_tables, which may execute pgstattuple_approx): measured
        await db.query(`GRANT pg_monitor TO ${reader}`)
        const c2 = await connect(urlWith(url, { user: reader }))
        try {
          const g = await collect(c2, { collectors: [bloat()] })
          expect(g.metrics.pg_table_bloat.find((r) => r.relname === 'bl_bloated')?.method).toBe('pgstattuple_approx')
        } finally {
          await c2.end()
        }

        // the top N is cut in SQL, the most wasted first
        const top = await collect(db, { collectors: [bloat({ top: 1 })] })
        expect(top.metrics.pg_table_bloat.map((r) => r.relname)).toEqual(['bl_bloated'])
        expect(top.metrics.pg_index_bloat.map((r) => r.indexrelname)).toEqual(['bl_bloated_pkey'])
      } finally {
        await db.end()
        const admin = await connect(url)
        await admin.query(`DROP OWNED BY ${reader}; DROP ROLE IF EXISTS ${reader}`).catch(() => undefined)
        await admin.end()
      }
    })
  })
})

describe('bloat()', () => {
  it('bounds every query with LIMIT $1 and refuses bad options in one line', () => {
    for (const d of [pgTableBloat, pgIndexBloat]) for (const q of d.queries) expect(q.sql).toMatch(/LIMIT \$1\b/)
    expect(() => bloat({ top: 0 })).toThrow(/positive integer/)
    expect(() => bloat({ approxMaxBytes: -1 })).toThrow(/whole number of bytes/)
    expect(() => bloat({ approxMaxBytes: 1.5 })).toThrow(/whole number of bytes/)
  })
})
