// Hourly rollups and retention: rolled-up series equal the raw ones, pruning drops whole days.
import type { Queryable } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installStore, listSources, pruneStore, readSeries, rollupStore, writeSnapshot } from '../index.js'
import { openTarget, type OpenedStore as Backend, type StoreTestBackend } from './backend.js'
import { partitionName, snapshot, START, T0, tableRows, testMetrics } from './fixtures.js'

const MIN = 60_000

async function count(db: Queryable, table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
  return rows[0]!.n
}

/** Registers these tests for `backend`. @internal */
export function retentionSuite(backend: StoreTestBackend): void {
  describe(`rollups on ${backend.name}`, () => rollupTests(backend))
  describe(`retention on ${backend.name}`, () => retentionTests(backend))
}

function rollupTests(backend: StoreTestBackend): void {
  let b: Backend
  beforeAll(async () => {
    b = await openTarget(backend)
  })
  afterAll(async () => {
    await b?.close()
  })

  it('serves wide buckets from hourly rollups with the same values and gaps as the raw rows', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const H = 3_600_000
    // 12 hours of 5-minute snapshots, a restart at 5:02:30 (counters restart from 0), a
    // stats_reset at 8:00.
    const restart = new Date(T0 + 5 * H + 150_000).toISOString()
    for (let i = 0; i < 144; i++) {
      const t = T0 + i * 5 * MIN
      const after = t >= Date.parse(restart)
      const base = after ? (t - Date.parse(restart)) / 1000 : (t - T0) / 1000 + 100
      const sr = t >= T0 + 8 * H ? new Date(T0 + 8 * H).toISOString() : null
      await writeSnapshot(
        b.db,
        ns,
        snapshot(
          t,
          {
            test_database: [
              { datname: 'app', xact_commit: 2 * base, blks_read: base, numbackends: i % 10, stats_reset: sr },
            ],
          },
          { startTime: after ? restart : START },
        ),
      )
    }
    const q = {
      metric: 'test_database',
      columns: ['xact_commit', 'numbackends'],
      from: T0,
      to: T0 + 12 * H,
      points: 12,
    }
    const sources = `"${schema}"."sources"`
    const state = async () =>
      (
        await b.db.query<{ until: Date | null; dirty: Date | null }>(
          `SELECT rollup_until AS until, rollup_dirty_from AS dirty FROM ${sources}`,
        )
      ).rows[0]!
    // The ingest never rolls up: until maintenance runs, wide buckets are read from the raw rows.
    expect(await state()).toEqual({ until: null, dirty: null })
    const raw = await readSeries(b.db, ns, q)
    const r = await rollupStore(b.db, ns)
    expect(r.from!.getTime()).toBe(T0)
    expect(r.to!.getTime()).toBe(T0 + 11 * H) // the newest hour is not complete
    expect(r.rows).toBe(11)
    expect(await state()).toEqual({ until: new Date(T0 + 11 * H), dirty: null })
    const rolled = await readSeries(b.db, ns, q)
    expect(rolled.series.map((s) => s.points.length)).toEqual(raw.series.map((s) => s.points.length))
    rolled.series.forEach((s, k) =>
      s.points.forEach((pt, i) => {
        expect(pt.t).toBe(raw.series[k]!.points[i]!.t)
        if (raw.series[k]!.points[i]!.v === null) expect(pt.v).toBeNull()
        else expect(pt.v).toBeCloseTo(raw.series[k]!.points[i]!.v!, 9)
      }),
    )
    expect(rolled.series[0]!.points.every((pt) => pt.v === null || Math.abs(pt.v - 2) < 1e-9)).toBe(true)
    // The rollups prove they are used: change a raw row, the rolled-up answer stays.
    await b.db.query(`UPDATE "${schema}"."db1_test_database" SET numbackends = 1000 WHERE "time" < $1`, [
      new Date(T0 + H),
    ])
    expect((await readSeries(b.db, ns, q)).series[1]!.points[0]!.v).toBeCloseTo(raw.series[1]!.points[0]!.v!, 9)
    // Running it again recomputes only the last hour.
    const again = await rollupStore(b.db, ns)
    expect(again.from!.getTime()).toBe(T0 + 10 * H)
    // A late snapshot marks its hour: reads take that hour and the ones after from the raw rows
    // at once (the late value counts), and the next rollup recomputes from there.
    const late = { datname: 'app', xact_commit: 2 * 7300, blks_read: 7300, numbackends: 500, stats_reset: null }
    await writeSnapshot(b.db, ns, snapshot(T0 + 2 * H + MIN, { test_database: [late] }))
    expect((await state()).dirty!.getTime()).toBe(T0 + 2 * H)
    const hour2 = async () =>
      (
        await b.db.query<{ s: number; n: number }>(
          `SELECT numbackends_s AS s, numbackends_n AS n FROM "${schema}"."db1_test_database_hourly" WHERE "time" = $1`,
          [new Date(T0 + 2 * H)],
        )
      ).rows[0]!
    expect((await hour2()).n).toBe(12)
    const beforeLate = raw.series[1]!.points[2]!.v!
    const withLate = (await readSeries(b.db, ns, q)).series[1]!.points[2]!.v!
    expect(withLate).toBeCloseTo((beforeLate * 12 + 500) / 13, 9)
    // A snapshot of a new hour rolls nothing up by itself.
    await writeSnapshot(
      b.db,
      ns,
      snapshot(
        T0 + 12 * H,
        { test_database: [{ ...late, numbackends: 1, stats_reset: new Date(T0 + 8 * H).toISOString() }] },
        { startTime: restart },
      ),
    )
    expect(await state()).toEqual({ until: new Date(T0 + 11 * H), dirty: new Date(T0 + 2 * H) })
    const third = await rollupStore(b.db, ns)
    expect(third.from!.getTime()).toBe(T0 + 2 * H)
    expect(await state()).toEqual({ until: new Date(T0 + 12 * H), dirty: null })
    expect((await hour2()).n).toBe(13)
    expect((await readSeries(b.db, ns, q)).series[1]!.points[2]!.v!).toBeCloseTo(withLate, 9)
    // Pruning keeps the rollups unless told otherwise.
    await pruneStore(b.db, ns, { olderThan: new Date(T0 + 24 * H) })
    expect((await readSeries(b.db, ns, q)).series[0]!.points.length).toBeGreaterThan(5)
    await pruneStore(b.db, ns, { olderThan: new Date(T0 + 24 * H), rollupsOlderThan: new Date(T0 + 24 * H) })
    expect((await readSeries(b.db, ns, q)).series).toEqual([])
  })
}

function retentionTests(backend: StoreTestBackend): void {
  let b: Backend
  beforeAll(async () => {
    b = await openTarget(backend)
  })
  afterAll(async () => {
    await b?.close()
  })

  it('drops whole daily partitions and deletes only the straddling day', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const DAY = 86_400_000
    // 5 days, 4 snapshots a day (every 6 h), 10 table rows each
    for (let d = 0; d < 5; d++)
      for (let h = 0; h < 4; h++)
        await writeSnapshot(
          b.db,
          ns,
          snapshot(T0 + d * DAY + h * 6 * 3_600_000, { test_tables: tableRows(10, d * 4 + h) }),
        )
    const parts = async () =>
      (
        await b.db.query<{ relname: string }>(
          `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1) ORDER BY 1`,
          [`"${schema}"."db1_test_tables"`],
        )
      ).rows.map((r) => r.relname)
    expect(await parts()).toEqual([
      partitionName('db1_test_tables', T0 + 0 * DAY),
      partitionName('db1_test_tables', T0 + 1 * DAY),
      partitionName('db1_test_tables', T0 + 2 * DAY),
      partitionName('db1_test_tables', T0 + 3 * DAY),
      partitionName('db1_test_tables', T0 + 4 * DAY),
    ])
    // Cut at day 2, 12:00: days 0 and 1 go whole, day 2 loses two snapshots (00:00, 06:00).
    const result = await pruneStore(b.db, ns, { olderThan: new Date(T0 + 2 * DAY + 12 * 3_600_000) })
    expect(result.partitionsDropped).toEqual([
      partitionName('db1_test_tables', T0 + 0 * DAY),
      partitionName('db1_test_tables', T0 + 1 * DAY),
    ])
    // 2 snapshots * 10 rows in the straddling day + 10 snapshot rows
    expect(result.rowsDeleted).toBe(20 + 10)
    expect(await parts()).toHaveLength(3)
    expect(await count(b.db, `"${schema}"."db1_test_tables"`)).toBe(10 * 10)
    const [src] = await listSources(b.db, schema)
    expect(src!.firstSeen!.getTime()).toBe(T0 + 2 * DAY + 12 * 3_600_000)
    // A late snapshot for a pruned day recreates its partition.
    await writeSnapshot(b.db, ns, snapshot(T0, { test_tables: tableRows(1, 1) }))
    expect(await parts()).toContain(partitionName('db1_test_tables', T0 + 0 * DAY))
  })
}
