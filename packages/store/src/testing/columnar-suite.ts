// The columnar write path (drivers with binary parameters, such as node-postgres): the rows of
// large metrics travel as two binary arrays that the ingest function unnests. It must store
// exactly what the JSON path stores, change nothing on a retry, and need nothing but EXECUTE on
// the ingest function. Without binary parameters (PGlite) the same tests check that the JSON
// path behaves identically.
import type { MetricRow, Queryable } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installStore, writeSnapshot, type InstallResult } from '../index.js'
import { openTarget, type OpenedStore as Backend, type RoleSession, type StoreTestBackend } from './backend.js'
import { snapshot, T0, tDatabase, testMetrics, tTables, writerPassword } from './fixtures.js'

const MIN = 60_000

/** Rows that exercise COPY's text escaping and NULL handling. */
function trickyRows(n: number, seed: number): MetricRow[] {
  const names = ['plain', 'tab\there', 'new\nline', 'back\\slash', '\\N', 'crlf\r\n', 'ünï©ødé ✓', 'quote\'"', '']
  return Array.from({ length: n }, (_, i) => ({
    datname: i % 7 === 3 ? null : 'app',
    schemaname: names[i % names.length]!,
    relname: `t${i}`,
    seq_scan: i % 5 === 4 ? null : i % 11 === 2 ? Number.NaN : seed * 1e15 + i + 0.125,
    n_live_tup: i % 3 === 0 ? -i : i % 13 === 1 ? '42' : 1e21 / (i + 1),
    extra_key: 'ignored',
  }))
}

/** Registers these tests for `backend`. @internal */
export function columnarSuite(backend: StoreTestBackend): void {
  describe(`columnar write path on ${backend.name}`, () => columnarTests(backend))
}

function columnarTests(backend: StoreTestBackend): void {
  const binary = backend.capabilities.binaryParams
  const skipped = binary ? '' : ' (skipped: the driver sends no binary parameters; its JSON path is checked above)'
  let b: Backend
  let s: string
  let p1: InstallResult
  let writer: RoleSession
  // A Queryable that is not node-postgres: writeSnapshot sends every row in the JSON.
  let json: Queryable
  const ns1 = () => ({ schema: s, prefix: 'p1' })
  const ns2 = () => ({ schema: s, prefix: 'p2' })

  beforeAll(async () => {
    b = await openTarget(backend)
    s = b.schema()
    p1 = await installStore(b.db, { ...ns1(), metrics: testMetrics })
    await installStore(b.db, { ...ns2(), metrics: testMetrics })
    writer = await b.asRole(p1.writerRole, writerPassword(p1))
    json = { query: (sql, params) => b.db.query(sql, params) }
  })
  afterAll(async () => {
    await writer?.end()
    await b?.close()
  })

  it('stores exactly what the JSON path stores', async () => {
    const metrics = {
      test_tables: trickyRows(60, 1),
      test_database: Array.from({ length: 20 }, (_, i) => ({
        datname: `db${i}`,
        xact_commit: i,
        blks_read: null,
        numbackends: 2 ** 60 + i,
        stats_reset: i % 2 ? null : new Date(T0 - i * 1000).toISOString(),
      })),
      my_wal: [{ wal_bytes: 5, stats_reset: null }],
    }
    const a = await writeSnapshot(writer, ns1(), snapshot(T0, metrics))
    const j = await writeSnapshot(json, ns2(), snapshot(T0, metrics))
    expect(a).toMatchObject({ written: true, rows: 81, ignored: [] })
    expect(j).toMatchObject({ written: true, rows: 81, ignored: [] })
    for (const t of ['test_tables', 'test_database', 'my_wal']) {
      const read = async (prefix: string) =>
        (await b.db.query(`SELECT * FROM "${s}"."${prefix}_${t}" ORDER BY 1, 2, 3`)).rows.map((r) => JSON.stringify(r))
      expect(await read('p1'), t).toEqual(await read('p2'))
    }
    const rows = await b.db.query<{ schemaname: string; datname: string; seq_scan: number | null }>(
      `SELECT schemaname, datname, seq_scan FROM "${s}"."p1_test_tables" WHERE relname IN ('t1', 't2', 't3', 't4') ORDER BY relname`,
    )
    expect(rows.rows.map((r) => [r.schemaname, r.datname, r.seq_scan])).toEqual([
      ['tab\there', 'app', 1e15 + 1.125],
      ['new\nline', 'app', null],
      ['back\\slash', '', 1e15 + 3.125],
      ['\\N', 'app', null],
    ])
  })

  it.skipIf(!binary)(
    `is what binary parameters use: the columnar ingest function, in one transaction${skipped}`,
    async () => {
      const columnar = `"${s}"."p1_ingest"(json, text[], double precision[])`
      await b.db.query(`REVOKE EXECUTE ON FUNCTION ${columnar} FROM "${p1.writerRole}"`)
      try {
        await expect(
          writeSnapshot(writer, ns1(), snapshot(T0 + MIN, { test_tables: tableLike(20) })),
        ).rejects.toMatchObject({ code: 'PERMISSION' })
        // Small metrics still go inline, through the JSON form.
        expect(await writeSnapshot(writer, ns1(), snapshot(T0 + MIN, { test_tables: tableLike(3) }))).toMatchObject({
          written: true,
          rows: 3,
        })
      } finally {
        await b.db.query(`GRANT EXECUTE ON FUNCTION ${columnar} TO "${p1.writerRole}"`)
      }
      // All or nothing: a value the table refuses rolls the whole snapshot back.
      const bad = tableLike(20).map((r, i) => (i === 7 ? { ...r, seq_scan: 'not a number' } : r))
      await expect(writeSnapshot(b.db, ns1(), snapshot(T0 + 1.5 * MIN, { test_tables: bad }))).rejects.toMatchObject({
        code: 'INVALID_SNAPSHOT',
      })
      const kept = await b.db.query(`SELECT 1 FROM "${s}"."p1_snapshots" WHERE "time" = $1`, [
        new Date(T0 + 1.5 * MIN).toISOString(),
      ])
      expect(kept.rows).toEqual([])
    },
  )

  it('a retry, a duplicate label set and a future date change nothing', async () => {
    const t = T0 + 2 * MIN
    const rows = tableLike(30)
    expect(await writeSnapshot(writer, ns1(), snapshot(t, { test_tables: rows }))).toMatchObject({
      written: true,
      rows: 30,
    })
    const changed = rows.map((r) => ({ ...r, seq_scan: 999 }))
    expect(await writeSnapshot(writer, ns1(), snapshot(t, { test_tables: changed }))).toMatchObject({
      written: false,
      rows: 0,
    })
    const sum = await b.db.query<{ s: number }>(
      `SELECT sum(seq_scan)::float8 AS s FROM "${s}"."p1_test_tables" WHERE "time" = $1`,
      [new Date(t).toISOString()],
    )
    expect(sum.rows[0]!.s).toBe(rows.reduce((x, r) => x + Number(r['seq_scan']), 0))
    // The same label set twice: stored once (ON CONFLICT DO NOTHING), as on the JSON path.
    const dup = [...tableLike(20), tableLike(1)[0]!]
    expect(await writeSnapshot(writer, ns1(), snapshot(t + MIN, { test_tables: dup }))).toMatchObject({ rows: 20 })
    await expect(
      writeSnapshot(writer, ns1(), snapshot(Date.now() + 3_600_000, { test_tables: rows }), {
        now: new Date(Date.now() + 3_600_000),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_SNAPSHOT' })
    const future = await b.db.query(`SELECT 1 FROM "${s}"."p1_snapshots" WHERE "time" > now()`)
    expect(future.rows).toEqual([])
  })

  it('a column added by a later install is written at once', async () => {
    const t = T0 + 20 * MIN
    await writeSnapshot(writer, ns1(), snapshot(t, { test_tables: tableLike(20) }))
    const v2 = { ...tTables, values: { ...tTables.values, idx_scan: { kind: 'counter', unit: 'count' } } } as const
    await installStore(b.db, { ...ns1(), metrics: [tDatabase, v2] })
    const rows = tableLike(20).map((r, i) => ({ ...r, idx_scan: i + 100 }))
    expect(await writeSnapshot(writer, ns1(), snapshot(t + MIN, { test_tables: rows }))).toMatchObject({ rows: 20 })
    const got = await b.db.query<{ s: number }>(
      `SELECT sum(idx_scan)::float8 AS s FROM "${s}"."p1_test_tables" WHERE "time" = $1`,
      [new Date(t + MIN).toISOString()],
    )
    expect(got.rows[0]!.s).toBe(rows.reduce((x, r) => x + r.idx_scan, 0))
  })

  it.skipIf(!binary)(
    `falls back to the all-JSON form on a store installed before the columnar one${skipped}`,
    async () => {
      const ns3 = { schema: s, prefix: 'p3' }
      await installStore(b.db, { ...ns3, metrics: testMetrics })
      // An older store has only ingest(json); this stand-in reports how many rows the JSON carried.
      await b.db.query(`DROP FUNCTION "${s}"."p3_ingest"(json, text[], double precision[])`)
      await b.db.query(
        `CREATE OR REPLACE FUNCTION "${s}"."p3_ingest"(_snap json) RETURNS jsonb LANGUAGE sql
         AS $$ SELECT jsonb_build_object('written', true, 'rows', json_array_length($1->'metrics'->'test_tables')) $$`,
      )
      expect(await writeSnapshot(b.db, ns3, snapshot(T0, { test_tables: tableLike(20) }))).toMatchObject({
        written: true,
        rows: 20,
      })
    },
  )
}

function tableLike(n: number): MetricRow[] {
  return Array.from({ length: n }, (_, i) => ({
    datname: 'app',
    schemaname: 'public',
    relname: `r${i}`,
    seq_scan: i * 3,
    n_live_tup: i,
  }))
}
