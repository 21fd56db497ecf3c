// When a metric was collected (readSeries with collectedAt): every snapshot that did not skip
// it, including those without a single row of it (no lock held, no session waiting), so a
// stacked graph draws 0 there instead of a gap; a snapshot that skipped it is not one.
import { seriesQuery, type MetricRow, type Snapshot } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installStore, readSeries, rollupStore, writeSnapshot, type Namespace } from '../index.js'
import { openTarget, type OpenedStore as Backend, type StoreTestBackend } from './backend.js'
import { snapshot, T0, tDatabase, testMetrics, tTables } from './fixtures.js'

const MIN = 60_000
const H = 60 * MIN

const dbRow = (n: number): MetricRow => ({
  datname: 'app',
  xact_commit: 1,
  blks_read: 1,
  numbackends: n,
  stats_reset: null,
})
const tableRow = (datname: string): MetricRow => ({
  datname,
  schemaname: 'public',
  relname: 't',
  seq_scan: 1,
  n_live_tup: 1,
})

function taken(
  t: number,
  metrics: Record<string, readonly MetricRow[]>,
  more: { skipped?: Snapshot['skipped']; databases?: string[] } = {},
): Snapshot {
  return { ...snapshot(t, metrics), ...more }
}

/** Registers these tests for `backend`. @internal */
export function collectedSuite(backend: StoreTestBackend): void {
  describe(`collected times on ${backend.name}`, () => collectedTests(backend))
}

function collectedTests(backend: StoreTestBackend): void {
  let b: Backend
  let ns: Namespace
  beforeAll(async () => {
    b = await openTarget(backend)
    ns = { schema: b.schema(), prefix: 'c1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const skipDb = { metric: 'test_database', reason: 'query failed: canceling statement due to statement timeout' }
    const snaps = [
      taken(T0, { test_database: [dbRow(3)], test_tables: [tableRow('app')] }),
      taken(T0 + MIN, { test_database: [dbRow(4)], test_tables: [tableRow('app')] }),
      // No row of either metric: collected, and empty (every category 0).
      taken(T0 + 2 * MIN, { test_database: [], test_tables: [] }),
      // test_database skipped (a failed query); test_tables skipped in 'app', its only database.
      taken(
        T0 + 3 * MIN,
        { test_tables: [] },
        {
          skipped: [skipDb, { metric: 'test_tables', database: 'app', reason: 'extension x is not installed' }],
        },
      ),
      // test_tables skipped in 'app' but read in 'other' (no rows there).
      taken(
        T0 + 4 * MIN,
        { test_database: [dbRow(5)], test_tables: [] },
        {
          databases: ['app', 'other'],
          skipped: [{ metric: 'test_tables', database: 'app', reason: 'extension x is not installed' }],
        },
      ),
      // No snapshot at T0 + 5 min: a gap. Then one more with rows.
      taken(T0 + 6 * MIN, { test_database: [dbRow(6)], test_tables: [tableRow('app')] }),
    ]
    for (const s of snaps) await writeSnapshot(b.db, ns, s)
  })
  afterAll(async () => {
    await b?.close()
  })

  const range = { from: T0, to: T0 + 10 * MIN }

  it('lists the snapshots that collected the metric, with rows or without, and only when asked', async () => {
    const plain = await readSeries(b.db, ns, seriesQuery(tDatabase, ['numbackends'], range))
    expect(plain.collectedAt).toBeUndefined()
    const set = await readSeries(b.db, ns, seriesQuery(tDatabase, ['numbackends'], { ...range, collectedAt: true }))
    expect(set.series[0]!.points.map((p) => (p.t - T0) / MIN)).toEqual([0, 1, 4, 6])
    // 2: no row (collected); 3: skipped (not collected); 5: no snapshot.
    expect(set.collectedAt!.map((t) => (t - T0) / MIN)).toEqual([0, 1, 2, 4, 6])
  })

  it('counts a per-database skip against the database it names', async () => {
    const q = (labels?: { datname: string }) =>
      seriesQuery(tTables, ['n_live_tup'], { ...range, collectedAt: true, ...(labels ? { labels } : {}) })
    const mins = (set: { collectedAt?: readonly number[] }) => set.collectedAt!.map((t) => (t - T0) / MIN)
    // 3: skipped in every database read; 4: read in 'other'.
    expect(mins(await readSeries(b.db, ns, q()))).toEqual([0, 1, 2, 4, 6])
    expect(mins(await readSeries(b.db, ns, q({ datname: 'app' })))).toEqual([0, 1, 2, 6])
    // Narrowed to 'other': only a skip naming 'other' (or the whole server) counts.
    expect(mins(await readSeries(b.db, ns, q({ datname: 'other' })))).toEqual([0, 1, 2, 3, 4, 6])
  })

  it('buckets the collected times exactly like the points', async () => {
    const set = await readSeries(
      b.db,
      ns,
      seriesQuery(tDatabase, ['numbackends'], { ...range, points: 5, collectedAt: true }),
    )
    // 2-minute buckets: {0,1} -> 0, {2} -> 2 (no row), {4} -> 4, {6} -> 6.
    expect(set.series[0]!.points.map((p) => (p.t - T0) / MIN)).toEqual([0, 4, 6])
    expect(set.collectedAt!.map((t) => (t - T0) / MIN)).toEqual([0, 2, 4, 6])
  })

  it('averages a gauge over every snapshot of a bucket that collected it, 0 where it had no row', async () => {
    const zns = { schema: ns.schema, prefix: 'c3' }
    await installStore(b.db, { ...zns, metrics: testMetrics })
    const start = T0 + 48 * H
    const row = (datname: string, n: number): MetricRow => ({ ...dbRow(n), datname })
    // Four snapshots: 'a' held in two of them (10, 20), 'b' in all four (2).
    const rows = [[row('a', 10), row('b', 2)], [row('b', 2)], [row('a', 20), row('b', 2)], [row('b', 2)]]
    for (let i = 0; i < rows.length; i++)
      await writeSnapshot(b.db, zns, taken(start + i * MIN, { test_database: rows[i]! }))
    const read = async (more: { collectedAt?: boolean; aggregate?: 'sum' }) =>
      (
        await readSeries(
          b.db,
          zns,
          seriesQuery(tDatabase, ['numbackends'], { from: start, to: start + 4 * MIN, points: 1, ...more }),
        )
      ).series.map((x) => [x.labels['datname'] ?? '(all)', x.points.map((p) => p.v)])
    // A stacked graph's bucket: 'a' was 0 in two of the four snapshots.
    expect(await read({ collectedAt: true })).toEqual([
      ['a', [7.5]],
      ['b', [2]],
    ])
    expect(await read({ collectedAt: true, aggregate: 'sum' })).toEqual([['(all)', [9.5]]])
    // Without collectedAt (lines): the average of the readings there were, as before.
    expect(await read({})).toEqual([
      ['a', [15]],
      ['b', [2]],
    ])
  })

  it('buckets the hours read from rollups by their hour, like the rollup rows', async () => {
    const rns = { schema: ns.schema, prefix: 'c2' }
    await installStore(b.db, { ...rns, metrics: testMetrics })
    const start = T0 + 24 * H
    // Every 15 minutes for 6 hours; rows in hours 0, 1, 3 and 5, none in hours 2 and 4.
    for (let t = start; t < start + 6 * H; t += 15 * MIN) {
      const hour = Math.floor((t - start) / H)
      await writeSnapshot(b.db, rns, taken(t, { test_database: [2, 4].includes(hour) ? [] : [dbRow(hour)] }))
    }
    await rollupStore(b.db, rns)
    const w = 45 * MIN
    const set = await readSeries(
      b.db,
      rns,
      seriesQuery(tDatabase, ['numbackends'], { from: start, to: start + 6 * H, points: 8, collectedAt: true }),
    )
    const buckets = (ts: readonly number[]) => ts.map((t) => (t - start) / w)
    // Hours 0-4 from the rollups (stamped at the hour: 0, 60, 180 min -> buckets 0, 1, 4), hour 5
    // from the raw rows (300, 315, 330, 345 min -> buckets 6, 7).
    expect(buckets(set.series[0]!.points.map((p) => p.t))).toEqual([0, 1, 4, 6, 7])
    // Hours 2 and 4 had snapshots without rows: 120 and 240 min -> buckets 2 and 5.
    expect(buckets(set.collectedAt!)).toEqual([0, 1, 2, 4, 5, 6, 7])
  })
}
