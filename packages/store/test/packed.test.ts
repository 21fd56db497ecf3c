// Packed hours (maintainStore): every reading written is read back exactly, before and after
// packing, whatever the snapshots — random values (whole, fractional, huge, NULL), resets,
// restarts, label sets appearing and disappearing, late and duplicate snapshots. Packing again
// changes nothing; a late snapshot in a packed hour is read at once and packed by the next run.
import type { MetricRow, Queryable } from '@pggraph/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it as test } from 'vitest'
import { installStore, maintainStore, pruneStore, readSeries, writeSnapshot } from '../src/index.js'
import { loadMetrics } from '../src/metric-tables.js'
import { readingsSql } from '../src/packed.js'
import { backendNames, openBackend, type Backend } from './backends.js'
import { myWal, snapshot, START, T0, tDatabase, testMetrics, tTables } from './fixtures.js'

const MIN = 60_000
const HOUR = 3_600_000
const RESTART = new Date(T0 - 86_400_000).toISOString()

type Reading = { time: number; key: string; values: (number | null)[]; sr?: number | null }

/** Every reading of `metric` as stored (packed hours unpacked), ordered by labels and time. */
async function readings(db: Queryable, ns: { schema: string; prefix: string }, metric: string): Promise<Reading[]> {
  const m = (await loadMetrics(db, ns)).get(metric)!
  const sql = readingsSql(
    ns,
    m,
    m.values,
    `'-infinity'::timestamptz`,
    `'infinity'::timestamptz`,
    [],
    true,
    m.statsReset,
  )
  const labels = m.labels.map((l) => `"${l}"`)
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT date_part('epoch', "time") * 1000 AS _t, ${m.statsReset ? `date_part('epoch', "_sr") * 1000 AS _r, ` : ''}* FROM (${sql}) r ORDER BY ${[...labels, '"time"'].join(', ')}`,
  )
  return rows.map((r) => ({
    time: Number(r['_t']),
    key: m.labels.map((l) => String(r[l])).join('/'),
    values: m.values.map((_, i) => r[`_v${i}`] as number | null),
    ...(m.statsReset ? { sr: r['_r'] === null ? null : Number(r['_r']) } : {}),
  }))
}

const value = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 ** 40 }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 2 ** 53, -(2 ** 53) - 2, 1e308, 5e-324, 0.1) },
)
const resetAt = fc.constantFrom(null, T0 - 3 * HOUR, T0 + HOUR + 7)
/** One snapshot: a minute in a 4-hour window, a start time, and which label sets it has. */
const snap = fc.record({
  minute: fc.integer({ min: 0, max: 239 }),
  restarted: fc.boolean(),
  db: fc.array(
    fc.record({
      datname: fc.constantFrom('app', 'b', 'c'),
      xact_commit: value,
      blks_read: value,
      numbackends: value,
      sr: resetAt,
    }),
    { maxLength: 3 },
  ),
  tables: fc.array(
    fc.record({ relname: fc.constantFrom('t0', 't1', 't2', 't3'), seq_scan: value, n_live_tup: value }),
    {
      maxLength: 4,
    },
  ),
  wal: fc.option(value, { nil: undefined }),
})
/** fast-check's seed: fixed (20261201) unless PGGRAPH_FC_SEED is `random` or a number. */
function fcSeed(): { seed?: number; endOnFailure?: boolean; numRuns?: number } {
  const v = process.env['PGGRAPH_FC_SEED']
  const runs = process.env['PGGRAPH_FC_RUNS'] ? { numRuns: Number(process.env['PGGRAPH_FC_RUNS']) } : {}
  // Exploring: report the first failure as found (shrinking a database round trip takes minutes).
  if (v === 'random') {
    const seed = Math.floor(Math.random() * 2 ** 31)
    console.log(`packed.test.ts: fast-check seed ${seed}`)
    return { seed, endOnFailure: true, ...runs }
  }
  return { seed: v ? Number(v) : 20261201, ...runs }
}

type Snap = typeof snap extends fc.Arbitrary<infer T> ? T : never

function rowsOf(s: Snap): Record<string, MetricRow[]> {
  const uniq = <T extends Record<string, unknown>>(xs: T[], k: keyof T): T[] =>
    xs.filter((x, i) => xs.findIndex((y) => y[k] === x[k]) === i)
  return {
    test_database: uniq(s.db, 'datname').map(({ sr, ...r }) => ({
      ...r,
      stats_reset: sr === null ? null : new Date(sr).toISOString(),
    })),
    test_tables: uniq(s.tables, 'relname').map((r) => ({ datname: 'app', schemaname: 'public', ...r })),
    my_wal: s.wal === undefined ? [] : [{ wal_bytes: s.wal, stats_reset: null }],
  }
}

/** What the store must hold: the first snapshot written at each time wins (retries change nothing). */
function expected(written: Snap[]): Map<string, Reading[]> {
  const first = new Map<number, Snap>()
  for (const s of written) if (!first.has(s.minute)) first.set(s.minute, s)
  const out = new Map<string, Reading[]>()
  for (const d of [tDatabase, tTables, myWal]) {
    const list: Reading[] = []
    for (const [minute, s] of first) {
      for (const r of rowsOf(s)[d.name]!) {
        const sr = r['stats_reset']
        list.push({
          time: T0 + minute * MIN,
          key: Object.keys(d.labels)
            .map((l) => String(r[l]))
            .join('/'),
          values: Object.keys(d.values).map((c) => (r[c] ?? null) as number | null),
          ...('statsReset' in d ? { sr: typeof sr === 'string' ? Date.parse(sr) : null } : {}),
        })
      }
    }
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.time - b.time))
    out.set(d.name, list)
  }
  return out
}

// The backends run concurrently (each waits on its own server, in its own database or PGlite
// folder); a backend's tests run one after another, the upgrade tests on the same store as the
// others, in schemas of their own. The timeouts leave room for ten backends sharing two cores.
const it = test.sequential

describe.concurrent.each(backendNames())('packed hours on %s', { timeout: 300_000 }, (name) => {
  let b: Backend
  let schema: string
  let n = 0
  beforeAll(async () => {
    b = await openBackend(name)
    schema = b.schema()
  })
  afterAll(async () => {
    await b?.close()
  })

  const readings_ = (ns: { schema: string; prefix: string }): Promise<Reading[]> => readings(b.db, ns, 'test_database')

  async function check(ns: { schema: string; prefix: string }, written: Snap[]): Promise<void> {
    const want = expected(written)
    for (const [metric, list] of want) {
      const got = await readings(b.db, ns, metric)
      expect(got.length).toBe(list.length)
      got.forEach((r, i) => {
        const w = list[i]!
        expect([r.time, r.key]).toEqual([w.time, w.key])
        r.values.forEach((v, k) =>
          expect(Object.is(v, w.values[k]), `${metric} ${r.key} ${r.time} column ${k}: ${v} vs ${w.values[k]}`).toBe(
            true,
          ),
        )
        if (w.sr !== undefined) expect(r.sr).toBe(w.sr)
      })
    }
  }

  it('reads back every reading exactly, before and after packing, with late and duplicate snapshots', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(snap, { minLength: 1, maxLength: 40 }),
        fc.array(snap, { maxLength: 15 }),
        async (early, late) => {
          const ns = { schema, prefix: `p${n++}` }
          await installStore(b.db, { ...ns, metrics: testMetrics })
          const write = async (s: Snap): Promise<void> => {
            await writeSnapshot(
              b.db,
              ns,
              snapshot(T0 + s.minute * MIN, rowsOf(s), { startTime: s.restarted ? RESTART : START }),
            )
          }
          const q = {
            metric: 'test_database',
            columns: ['xact_commit', 'blks_read', 'numbackends'],
            from: T0 - HOUR,
            to: T0 + 5 * HOUR,
          }
          for (const s of early) await write(s)
          await check(ns, early)
          const before = await readSeries(b.db, ns, q)
          const packed = await maintainStore(b.db, ns)
          const newest = Math.max(...early.map((s) => s.minute))
          const closed = new Set(
            early.filter((s) => s.minute < newest - (newest % 60)).map((s) => Math.floor(s.minute / 60)),
          )
          expect(packed.hoursPacked).toBe(closed.size)
          await check(ns, early)
          expect(await readSeries(b.db, ns, q)).toEqual(before)
          // Packing again (the hours just received are looked at again) changes nothing.
          const table = async (): Promise<string> =>
            (
              await b.db.query<{ h: string }>(
                `SELECT md5(coalesce(string_agg(t::text, ';' ORDER BY t::text), '')) AS h FROM "${schema}"."${ns.prefix}_test_database" t`,
              )
            ).rows[0]!.h
          const stored = await table()
          await maintainStore(b.db, ns)
          expect(await table()).toBe(stored)
          await check(ns, early)
          // Late and duplicate snapshots: read at once, packed by the next run.
          for (const s of late) await write(s)
          for (const s of early.slice(0, 3)) await write({ ...s, db: [], tables: [] }) // duplicates: ignored
          const all = [...early, ...late]
          await check(ns, all)
          const after = await readSeries(b.db, ns, q)
          await maintainStore(b.db, ns)
          await check(ns, all)
          expect(await readSeries(b.db, ns, q)).toEqual(after)
          expect(packed.rowsPacked).toBeGreaterThanOrEqual(packed.rowsWritten)
        },
      ),
      // A fixed seed by default (CI stays deterministic); PGGRAPH_FC_SEED=random explores new cases
      // (reported unshrunk: shrinking a database round trip runs for minutes), a number replays
      // one, PGGRAPH_FC_RUNS sets the number of runs. Seed -1751558505 (run 3) found the overflow
      // of the regression test below.
      {
        numRuns: name === 'pg15-local' || name === 'pglite' ? 6 : 3,
        ...fcSeed(),
      },
    )
  }, 600_000)

  it('packs an hour whose readings span more than the float8 range (regression)', async () => {
    // A gauge whose hour held 1e308 and -1e308 made the exactness check compute x - min, which
    // overflows: PostgreSQL raises "value out of range: overflow" rather than returning Infinity,
    // so maintainStore failed on that hour.
    const ns = { schema, prefix: 'huge' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const readings: [number, number | null][] = [
      [0, 1e308],
      [1, -1e308],
      [2, null],
      [3, 5],
      [61, 1],
    ]
    for (const [minute, v] of readings) {
      await writeSnapshot(
        b.db,
        ns,
        snapshot(T0 + minute * MIN, {
          test_database: [{ datname: 'app', xact_commit: 5, blks_read: 7, numbackends: v, stats_reset: null }],
        }),
      )
    }
    const before = await readings_(ns)
    const r = await maintainStore(b.db, ns)
    expect(r.hoursPacked).toBe(1)
    expect(await readings_(ns)).toEqual(before)
    expect(before.map((x) => x.values[2])).toEqual(readings.map(([, v]) => v))
  })

  it('packs into one row per label set and hour, and pruning keeps what it must', async () => {
    const ns = { schema, prefix: 'prune' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    for (let i = 0; i < 3 * 60; i += 5) {
      await writeSnapshot(
        b.db,
        ns,
        snapshot(T0 + i * MIN, {
          test_tables: [0, 1].map((k) => ({
            datname: 'app',
            schemaname: 'public',
            relname: `t${k}`,
            seq_scan: i,
            n_live_tup: 7,
          })),
        }),
      )
    }
    const r = await maintainStore(b.db, ns)
    expect(r.hoursPacked).toBe(2)
    expect(r.rowsPacked).toBe(2 * 12 * 2)
    expect(r.rowsWritten).toBe(2 * 2)
    const count = async (): Promise<number> =>
      (await b.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."prune_test_tables"`)).rows[0]!.n
    expect(await count()).toBe(4 + 12 * 2)
    // Retention cutting an hour in the middle keeps that packed hour whole.
    await pruneStore(b.db, ns, { olderThan: new Date(T0 + HOUR + 30 * MIN) })
    const left = await readings(b.db, ns, 'test_tables')
    expect(Math.min(...left.map((x) => x.time))).toBe(T0 + HOUR)
    expect(left.length).toBe(2 * 24)
    // Once the day is complete, its partitions are rewritten to their packed rows.
    const tables = (n: number) => ({
      test_tables: [{ datname: 'app', schemaname: 'public', relname: 't0', seq_scan: n, n_live_tup: 7 }],
    })
    await writeSnapshot(b.db, ns, snapshot(T0 + 23 * HOUR + 30 * MIN, tables(1)))
    await writeSnapshot(b.db, ns, snapshot(T0 + 24 * HOUR + 5 * MIN, tables(2)))
    const next = await maintainStore(b.db, ns)
    // 02:00 and 23:00, and 01:00 again: its snapshots were received just before the last packing.
    expect(next.hoursPacked).toBe(3)
    expect(next.vacuumed).toContain(
      `prune_test_tables_${new Date(T0).toISOString().slice(0, 10).replace(/-/g, '')} (full)`,
    )
    expect((await readings(b.db, ns, 'test_tables')).length).toBe(2 * 24 + 2)
  }) // each maintainStore rewrites the day's partitions (VACUUM FULL): ~60 s on a loaded Citus cluster

  describe.sequential('upgrading a store to packed hours', () => upgradeTests(name, () => b))
})

/** The migrations to packed hours, on the store `opened` returns (a backend's own, opened once). */
function upgradeTests(name: string, opened: () => Backend): void {
  let b: Backend
  beforeAll(() => {
    b = opened()
  })

  it('migrates a store of the layout before packed hours in place, and packs what it held', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'old' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    for (let i = 0; i < 150; i += 3) {
      await writeSnapshot(
        b.db,
        ns,
        snapshot(T0 + i * MIN, {
          test_database: [
            { datname: 'app', xact_commit: i * 10.5, blks_read: i, numbackends: i % 4, stats_reset: null },
          ],
          test_tables: [{ datname: 'app', schemaname: 'public', relname: 't0', seq_scan: i, n_live_tup: 1e15 + i }],
          my_wal: [{ wal_bytes: 2 ** 52 + i, stats_reset: null }],
        }),
      )
    }
    // Then back to the layout before packed hours (its ingest wrote the same raw rows): no
    // internal columns, no packing watermark.
    for (const t of ['test_database', 'test_tables', 'my_wal']) {
      const cols = [
        '_packed_times',
        '_packed_bases',
        '_packed_values',
        ...(t === 'test_tables' ? [] : ['_packed_resets']),
      ]
      await b.db.query(`ALTER TABLE "${schema}"."old_${t}" ${cols.map((c) => `DROP COLUMN "${c}"`).join(', ')}`)
    }
    await b.db.query(`ALTER TABLE "${schema}"."sources" DROP COLUMN packed_until, DROP COLUMN packed_at`)
    await b.db.query(`DELETE FROM "${schema}"."pggraph_migrations" WHERE id = '0008_packed_until'`)
    const q = { metric: 'test_database', columns: ['xact_commit', 'numbackends'], from: T0, to: T0 + 3 * HOUR }
    const upgraded = await installStore(b.db, { ...ns, metrics: testMetrics })
    expect(upgraded.migrations).toEqual(['schema:0008_packed_until'])
    expect(upgraded.columnsAdded).toContain('old_test_database._packed_values')
    const series = await readSeries(b.db, ns, q)
    const r = await maintainStore(b.db, ns)
    expect(r.hoursPacked).toBe(2)
    expect(await readSeries(b.db, ns, q)).toEqual(series)
    const after = await Promise.all(['test_database', 'test_tables', 'my_wal'].map((m) => readings(b.db, ns, m)))
    expect(after[0]!.map((x) => x.values)).toEqual(
      Array.from({ length: 50 }, (_, k) => [k * 3 * 10.5, k * 3, (k * 3) % 4]),
    )
    expect(after[1]!.map((x) => x.values[1])).toEqual(Array.from({ length: 50 }, (_, k) => 1e15 + k * 3))
    expect(after[2]!.map((x) => x.values[0])).toEqual(Array.from({ length: 50 }, (_, k) => 2 ** 52 + k * 3))
  })

  it('keeps the packed arrays of a store packed before in the row from now on (migration 0009)', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'inl' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const storage = async (): Promise<string[]> =>
      (
        await b.db.query<{ s: string }>(
          `SELECT c.relname || '.' || a.attname || '=' || a.attstorage::text AS s FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = 'inl_test_database' AND a.attname LIKE '\\_packed\\_%' ORDER BY 1`,
          [schema],
        )
      ).rows.map((r) => r.s)
    const citus = name === 'citus'
    const main = citus ? 'x' : 'm'
    const want = [
      `bases=${citus ? 'x' : 'p'}`,
      `deltas=${main}`,
      `resets=${main}`,
      `times=${main}`,
      `values=${main}`,
    ].map((x) => `inl_test_database._packed_${x}`)
    expect(await storage()).toEqual(want)
    if (citus) return // Citus refuses SET STORAGE on distributed tables: nothing to migrate
    // A store packed before: its arrays were EXTENDED (moved out of line to TOAST).
    for (const c of ['_packed_times', '_packed_values', '_packed_resets'])
      await b.db.query(`ALTER TABLE "${schema}"."inl_test_database" ALTER COLUMN "${c}" SET STORAGE EXTENDED`)
    await b.db.query(`DELETE FROM "${schema}"."pggraph_migrations" WHERE id = '0009_packed_inline'`)
    const upgraded = await installStore(b.db, { ...ns, metrics: testMetrics })
    expect(upgraded.migrations).toEqual(['inl:0009_packed_inline'])
    expect(await storage()).toEqual(want)
  })

  it('repacks the hours a store packed as float8 offsets into running-sum text (migration 0010)', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'dlt' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    await writeSnapshot(
      b.db,
      ns,
      snapshot(T0 + 2 * HOUR, {
        test_database: [{ datname: 'app', xact_commit: 1, blks_read: 2, numbackends: 3, stats_reset: null }],
      }),
    )
    // An hour packed in the layout before _packed_deltas: per column a base (NULL: stored as it
    // is) and each reading minus it; then the store as that layout left it.
    await b.db.query(
      `INSERT INTO "${schema}"."dlt_test_database" ("time", datname, _packed_times, _packed_bases, _packed_values, _packed_resets)
       VALUES ($1, 'app', '{0,60000000,60000000}', '{100,NULL,5}', '{{0,7,1},{1e308,-1e308,NULL},{0,0,2.5}}', '{NULL,NULL,NULL}')`,
      [new Date(T0).toISOString()],
    )
    await b.db.query(`ALTER TABLE "${schema}"."dlt_test_database" DROP COLUMN _packed_deltas`)
    await b.db.query(`DELETE FROM "${schema}"."pggraph_migrations" WHERE id = '0010_packed_deltas'`)
    const upgraded = await installStore(b.db, { ...ns, metrics: testMetrics })
    expect(upgraded.migrations).toEqual(['dlt:0010_packed_deltas'])
    expect((await readings(b.db, ns, 'test_database')).map((r) => [r.time, ...r.values])).toEqual([
      [T0, 100, 1e308, 5],
      [T0 + MIN, 107, -1e308, 5],
      [T0 + 2 * MIN, 101, null, 7.5],
      [T0 + 2 * HOUR, 1, 2, 3],
    ])
    const left = await b.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${schema}"."dlt_test_database" WHERE _packed_values IS NOT NULL OR _packed_bases IS NOT NULL`,
    )
    expect(left.rows[0]!.n).toBe(0)
  })
}
