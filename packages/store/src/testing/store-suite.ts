import { isPggraphError, quoteIdent, seriesQuery, type MetricDefinition, type Queryable } from '@pggraph/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  installStore,
  listPrefixes,
  listSchemas,
  listSources,
  readSeries,
  recordSourceError,
  rollupStore,
  writeSnapshot,
  type Namespace,
} from '../index.js'
import { openTarget, type OpenedStore as Backend, type StoreTestBackend } from './backend.js'
import { myWal, OLD_START, snapshot, START, T0, tableRows, tDatabase, testMetrics, tTables } from './fixtures.js'

const MIN = 60_000

async function count(db: Queryable, table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
  return rows[0]!.n
}

/** Registers these tests for `backend`. @internal */
export function storeSuite(backend: StoreTestBackend): void {
  describe(`store on ${backend.name}`, () => storeTests(backend))
}

function storeTests(backend: StoreTestBackend): void {
  let b: Backend
  beforeAll(async () => {
    b = await openTarget(backend)
  })
  afterAll(async () => {
    await b?.close()
  })

  it('declares the capabilities the backend says it has', () => {
    expect(b.db.capabilities).toEqual(backend.capabilities)
  })

  it('installs idempotently: the second run changes nothing', async () => {
    const schema = b.schema()
    const first = await installStore(b.db, { schema, prefix: 'db1', metrics: testMetrics })
    expect(first.migrations).toEqual([
      'schema:0001_sources',
      'db1:0001_snapshots',
      'schema:0003_rollup_until',
      'schema:0004_rollup_dirty_from',
      'db1:0005_epochs',
      'schema:0006_ingest_limits',
      'db1:0007_drop_starts',
      'schema:0008_packed_until',
      'db1:0009_packed_inline',
      'db1:0010_packed_deltas',
    ])
    expect([...first.tablesCreated].sort()).toEqual([
      'db1_my_wal',
      'db1_my_wal_hourly',
      'db1_test_database',
      'db1_test_database_hourly',
      'db1_test_tables',
      'db1_test_tables_hourly',
    ])
    expect(first.roles.map((r) => [r.kind, r.action])).toEqual([
      ['owner', 'created'],
      ['writer', 'created'],
      ['reader', 'created'],
    ])
    expect(first.roles[1]!.generatedPassword).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(first.writerRole).toBe(`${schema}__db1_writer`)
    expect(first.readerRole).toBe(`${schema}_reader`)
    expect(first.unchanged).toBe(false)
    const second = await installStore(b.db, { schema, prefix: 'db1', metrics: testMetrics })
    expect(second.unchanged).toBe(true)
    expect(second.migrations).toEqual([])
    expect(second.functionsUpdated).toEqual([])
    expect(second.roles.every((r) => r.action === 'kept' && r.generatedPassword === undefined)).toBe(true)
    const owner = await b.db.query<{ o: string; su: boolean }>(
      `SELECT pg_get_userbyid(p.proowner) AS o, r.rolsuper AS su FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE p.oid = to_regprocedure($1)`,
      [`"${schema}"."db1_ingest"(json)`],
    )
    expect(owner.rows[0]).toEqual({ o: `${schema}_owner`, su: false })
    // The reader is NOLOGIN until a password is given; then it can log in.
    const canLogin = async () =>
      (await b.db.query<{ l: boolean }>(`SELECT rolcanlogin AS l FROM pg_roles WHERE rolname = $1`, [first.readerRole]))
        .rows[0]!.l
    expect(await canLogin()).toBe(false)
    const third = await installStore(b.db, { schema, prefix: 'db1', metrics: testMetrics, readerPassword: 'secret' })
    expect(third.roles[2]).toEqual({ role: first.readerRole, kind: 'reader', action: 'updated' })
    expect(await canLogin()).toBe(true)
  })

  it('drops the superseded <prefix>_starts table of a store installed before, and writes on', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    // What an older install left: the table, and no record of the migration that drops it.
    await b.db.query(
      `CREATE TABLE "${schema}"."db1_starts" (start_time timestamptz PRIMARY KEY, first_seen timestamptz NOT NULL)`,
    )
    await b.db.query(`DELETE FROM "${schema}".pggraph_migrations WHERE id = '0007_drop_starts'`)
    const again = await installStore(b.db, { ...ns, metrics: testMetrics })
    expect(again.migrations).toEqual(['db1:0007_drop_starts'])
    const left = await b.db.query(
      `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'db1_starts'`,
      [schema],
    )
    expect(left.rows).toEqual([])
    expect(
      await writeSnapshot(
        b.db,
        ns,
        snapshot(T0, {
          test_database: [{ datname: 'app', xact_commit: 1, blks_read: 1, numbackends: 1, stats_reset: null }],
        }),
      ),
    ).toMatchObject({ written: true })
  })

  it('writes a snapshot once: a retried write changes nothing', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const snap = snapshot(T0, {
      test_tables: tableRows(50, 1),
      test_database: [{ datname: 'app', xact_commit: 5, blks_read: 1, numbackends: 2, stats_reset: null }],
      unknown_metric: [],
    })
    const w1 = await writeSnapshot(b.db, ns, snap)
    expect(w1).toMatchObject({ written: true, rows: 51, ignored: ['unknown_metric'] })
    const w2 = await writeSnapshot(b.db, ns, snap)
    expect(w2).toMatchObject({ written: false, rows: 0 })
    expect(await count(b.db, `"${schema}"."db1_test_tables"`)).toBe(50)
    expect(await count(b.db, `"${schema}"."db1_snapshots"`)).toBe(1)
    const [src] = await listSources(b.db, schema)
    expect(src).toMatchObject({
      prefix: 'db1',
      snapshots: 1,
      serverVersionNum: 170004,
      database: 'app',
      failing: false,
    })
    expect(src!.lastSeen!.getTime()).toBe(T0)
    // A metric listing one label set twice keeps the first row instead of failing the snapshot.
    const dup = tableRows(3, 1)
    const w3 = await writeSnapshot(
      b.db,
      ns,
      snapshot(T0 + MIN, { test_tables: [...dup, { ...dup[0]!, seq_scan: 999 }] }),
    )
    expect(w3).toMatchObject({ written: true, rows: 3 })
    const { rows } = await b.db.query<{ v: number }>(
      `SELECT seq_scan AS v FROM "${schema}"."db1_test_tables" WHERE "time" = $1 AND relname = 't0'`,
      [new Date(T0 + MIN)],
    )
    expect(rows).toEqual([{ v: 1 }])
  })

  it('keeps prefixes and schemas apart', async () => {
    const s1 = b.schema()
    const s2 = b.schema()
    for (const [schema, prefix] of [
      [s1, 'a'],
      [s1, 'b'],
      [s2, 'a'],
    ] as const) {
      await installStore(b.db, { schema, prefix, metrics: testMetrics })
    }
    const rows = (v: number) => [{ datname: 'app', xact_commit: v, blks_read: 0, numbackends: v, stats_reset: null }]
    await writeSnapshot(b.db, { schema: s1, prefix: 'a' }, snapshot(T0, { test_database: rows(1) }))
    await writeSnapshot(b.db, { schema: s1, prefix: 'b' }, snapshot(T0, { test_database: rows(2) }))
    await writeSnapshot(b.db, { schema: s2, prefix: 'a' }, snapshot(T0, { test_database: rows(3) }))
    const read = async (ns: Namespace) =>
      (
        await readSeries(b.db, ns, seriesQuery(tDatabase, ['numbackends'], { from: T0 - MIN, to: T0 + MIN }))
      ).series.map((s) => s.points.map((p) => p.v))
    expect(await read({ schema: s1, prefix: 'a' })).toEqual([[1]])
    expect(await read({ schema: s1, prefix: 'b' })).toEqual([[2]])
    expect(await read({ schema: s2, prefix: 'a' })).toEqual([[3]])
    expect(await listPrefixes(b.db, s1)).toEqual(['a', 'b'])
    expect((await listSources(b.db, s2)).map((s) => s.prefix)).toEqual(['a'])
    const schemas = await listSchemas(b.db)
    expect(schemas).toContain(s1)
    expect(schemas).toContain(s2)
  })

  it('turns counters into rates with gaps at a drop, a stats reset and a restart', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const restart = new Date(T0 + 6.5 * MIN).toISOString()
    const reset1 = new Date(T0 - 10 * 86_400_000).toISOString()
    const reset2 = new Date(T0 + 3.5 * MIN).toISOString()
    // xact_commit: +60/min, then a drop at 3 (unannounced reset), stats_reset changes at 4, restart before 7.
    const xs = [0, 60, 120, 10, 70, 130, 190, 5, 65, 125]
    for (let i = 0; i < xs.length; i++) {
      const statsReset = i < 4 ? reset1 : reset2
      const after = i >= 7
      await writeSnapshot(
        b.db,
        ns,
        snapshot(
          T0 + i * MIN,
          {
            test_database: [
              {
                datname: 'app',
                xact_commit: xs[i]!,
                blks_read: i === 4 ? 1000 : i,
                numbackends: 4,
                stats_reset: statsReset,
              },
            ],
            my_wal: [{ wal_bytes: after ? 600 * (i - 7) : 600 * i, stats_reset: null }],
          },
          { startTime: after ? restart : START, resets: [{ metric: 'test_database', key: 'app', at: statsReset }] },
        ),
      )
    }
    const set = await readSeries(
      b.db,
      ns,
      seriesQuery(tDatabase, ['xact_commit', 'numbackends'], {
        from: T0,
        to: T0 + 9 * MIN,
      }),
    )
    const [xact, backends] = set.series
    expect(xact!.kind).toBe('rate')
    expect(xact!.points.map((p) => p.v)).toEqual([null, 1, 1, null, null, 1, 1, null, 1, 1])
    expect(backends!.kind).toBe('gauge')
    expect(backends!.points.every((p) => p.v === 4)).toBe(true)
    // blks_read jumps to 1000 at 4 while stats_reset changed there: a gap, not a spike.
    const blks = await readSeries(
      b.db,
      ns,
      seriesQuery(tDatabase, ['blks_read'], {
        from: T0,
        to: T0 + 9 * MIN,
      }),
    )
    expect(blks.series[0]!.points[4]!.v).toBeNull()
    // A failover at 10 to another server that started long ago and has higher counters: a gap, not a spike.
    await writeSnapshot(
      b.db,
      ns,
      snapshot(
        T0 + 10 * MIN,
        { test_database: [{ datname: 'app', xact_commit: 1e9, blks_read: 1e9, numbackends: 4, stats_reset: reset2 }] },
        { startTime: OLD_START },
      ),
    )
    await writeSnapshot(
      b.db,
      ns,
      snapshot(
        T0 + 11 * MIN,
        {
          test_database: [
            { datname: 'app', xact_commit: 1e9 + 60, blks_read: 1e9, numbackends: 4, stats_reset: reset2 },
          ],
        },
        { startTime: OLD_START },
      ),
    )
    const failover = await readSeries(
      b.db,
      ns,
      seriesQuery(tDatabase, ['xact_commit'], {
        from: T0 + 9 * MIN,
        to: T0 + 11 * MIN,
      }),
    )
    expect(failover.series[0]!.points.map((p) => p.v)).toEqual([1, null, 1])
    expect(failover.events).toEqual([{ t: T0 + 10 * MIN, kind: 'restart', label: 'another server (failover)' }])
    // ... and back at 12 to the first server, whose counters went on growing meanwhile: a gap again.
    for (const [i, x] of [
      [12, 10_000],
      [13, 10_060],
    ] as const) {
      await writeSnapshot(
        b.db,
        ns,
        snapshot(
          T0 + i * MIN,
          { test_database: [{ datname: 'app', xact_commit: x, blks_read: 1e9, numbackends: 4, stats_reset: reset2 }] },
          { startTime: restart },
        ),
      )
    }
    const back = await readSeries(
      b.db,
      ns,
      seriesQuery(tDatabase, ['xact_commit'], {
        from: T0 + 11 * MIN,
        to: T0 + 13 * MIN,
      }),
    )
    expect(back.series[0]!.points.map((p) => p.v)).toEqual([1, null, 1])
    expect(back.events.map((e) => [e.t, e.label])).toEqual([[T0 + 12 * MIN, 'another server (failover)']])
    const wal = await readSeries(b.db, ns, seriesQuery(myWal, ['wal_bytes'], { from: T0, to: T0 + 9 * MIN }))
    expect(wal.series[0]!.points.map((p) => p.v)).toEqual([null, 10, 10, 10, 10, 10, 10, null, 10, 10])
    for (const s of [...set.series, ...wal.series])
      for (const p of s.points) expect(p.v === null || p.v >= 0).toBe(true)
    expect(set.events).toEqual([
      { t: Date.parse(reset2), kind: 'stats_reset', label: 'test_database reset (app)' },
      { t: Date.parse(restart), kind: 'restart', label: 'server restarted' },
    ])
  })

  it('refuses a value past ±1e100 with the definitions, and reads one stored anyway (or NaN, ±Infinity) as missing', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const row = (v: number) => ({ datname: 'app', xact_commit: v, blks_read: 1, numbackends: v, stats_reset: null })
    const refused = await writeSnapshot(b.db, ns, snapshot(T0, { test_database: [row(1.7e308)] }), {
      metrics: testMetrics,
    }).catch((e: unknown) => e)
    expect(isPggraphError(refused) && refused.code).toBe('INVALID_SNAPSHOT')
    expect((refused as Error).message).toMatch(/value test_database\.xact_commit is 1\.7e\+308, beyond ±1e100/)
    // Past the writer's check (no definitions given; a stolen writer password calls the ingest
    // function directly): sums and differences of these overflowed float8 and failed every read
    // and rollup of the metric.
    const values = [1.7e308, -1.7e308, 1.7e308, 5, 10, 15]
    for (let i = 0; i < values.length; i++)
      await writeSnapshot(b.db, ns, snapshot(T0 + i * MIN, { test_database: [row(values[i]!)] }))
    // NaN and Infinity cannot come through JSON: set them as the tables' owner.
    const t = `${quoteIdent(schema, 'schema')}."db1_test_database"`
    await b.db.query(`UPDATE ${t} SET numbackends = 'NaN' WHERE "time" = $1`, [new Date(T0 + 3 * MIN).toISOString()])
    await b.db.query(`UPDATE ${t} SET numbackends = '-Infinity' WHERE "time" = $1`, [
      new Date(T0 + 4 * MIN).toISOString(),
    ])
    const raw = await readSeries(
      b.db,
      ns,
      seriesQuery(tDatabase, ['xact_commit', 'numbackends'], { from: T0, to: T0 + 5 * MIN }),
    )
    const [xact, backends] = raw.series
    // The first rate after the missing readings has no reading before it: a gap, then 5/min.
    expect(xact!.points.map((p) => p.v)).toEqual([null, null, null, null, 5 / 60, 5 / 60])
    expect(backends!.points.map((p) => p.v)).toEqual([null, null, null, null, null, 15])
    const rolled = await rollupStore(b.db, ns, { from: new Date(T0), to: new Date(T0 + 3_600_000) })
    expect(rolled.rows).toBeGreaterThan(0)
    const hourly = await readSeries(
      b.db,
      ns,
      seriesQuery(tDatabase, ['numbackends'], { from: T0, to: T0 + 2 * 3_600_000, points: 2 }),
    )
    expect(hourly.series[0]!.points[0]!.v).toBe(15)
  })

  it('downsamples, sums and picks the top label sets in SQL', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    for (let i = 0; i < 60; i++)
      await writeSnapshot(b.db, ns, snapshot(T0 + i * MIN, { test_tables: tableRows(5, 60 * i) }))
    const q = { metric: 'test_tables', columns: ['seq_scan'], from: T0, to: T0 + 59 * MIN }
    const raw = await readSeries(b.db, ns, q)
    expect(raw.series).toHaveLength(5)
    expect(raw.series[0]!.points).toHaveLength(60)
    const down = await readSeries(b.db, ns, { ...q, points: 10 })
    expect(down.series).toHaveLength(5)
    for (const s of down.series) expect(s.points.length).toBeLessThanOrEqual(10)
    // table t<i> grows by 60*(i+1) per minute: (i+1) per second
    const t2 = down.series.find((s) => s.labels['relname'] === 't2')!
    expect(t2.points.slice(1).every((p) => Math.abs(p.v! - 3) < 1e-9)).toBe(true)
    const sum = await readSeries(b.db, ns, { ...q, aggregate: 'sum', points: 6 })
    expect(sum.series).toHaveLength(1)
    expect(sum.series[0]!.labels).toEqual({})
    expect(sum.series[0]!.points.at(-1)!.v).toBeCloseTo(15)
    const top = await readSeries(b.db, ns, { ...q, top: { n: 2, by: 'seq_scan' } })
    expect(top.series.map((s) => s.labels['relname']).sort()).toEqual(['t3', 't4'])
    const one = await readSeries(b.db, ns, { ...q, labels: { relname: 't0' }, points: 3 })
    expect(one.series.map((s) => s.labels)).toEqual([{ datname: 'app', schemaname: 'public', relname: 't0' }])
    await expect(readSeries(b.db, ns, { ...q, columns: ['nope'] })).rejects.toMatchObject({ code: 'CONFIG' })
    await expect(readSeries(b.db, ns, { ...q, metric: 'nope' as string })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('refuses a snapshot dated in the future and records it; bridge errors show in sources', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: testMetrics })
    const future = Date.now() + 60 * MIN
    // Checked by the writer first ...
    await expect(writeSnapshot(b.db, ns, snapshot(future, {}))).rejects.toMatchObject({ code: 'INVALID_SNAPSHOT' })
    // When the refusal cannot be recorded either (no such prefix), the error says so.
    const unrecorded = await writeSnapshot(b.db, { schema, prefix: 'nope' }, snapshot(future, {})).catch((e) => e)
    expect(unrecorded).toMatchObject({ code: 'INVALID_SNAPSHOT' })
    expect((unrecorded as Error).message).toMatch(
      /ahead of .*\(It could not be recorded in sources\.last_error either: Cannot record the error for .*\.nope: the store has no such/,
    )
    // ... and by the store's own clock even when the writer's clock is wrong too.
    const err = await writeSnapshot(b.db, ns, snapshot(future, {}), { now: new Date(future) }).catch((e: unknown) => e)
    expect(isPggraphError(err, 'INVALID_SNAPSHOT')).toBe(true)
    expect((err as Error).message).toMatch(/ahead of the store clock/)
    let [src] = await listSources(b.db, schema)
    expect(src!.lastError).toMatch(/ahead of the store clock/)
    expect(src!.failing).toBe(true)
    expect(await count(b.db, `"${schema}"."db1_snapshots"`)).toBe(0)
    await writeSnapshot(b.db, ns, snapshot(Date.now() - MIN, {}))
    ;[src] = await listSources(b.db, schema)
    expect(src!.failing).toBe(false)
    const health = {
      lastSuccess: null,
      spoolFiles: 3,
      spoolBytes: 3000,
      dropped: 0,
      retries: 2,
      lastError: 'connection refused',
    }
    await recordSourceError(b.db, ns, 'target down: connection refused', health)
    ;[src] = await listSources(b.db, schema)
    expect(src).toMatchObject({ lastError: 'target down: connection refused', failing: true, bridge: health })
  })

  it('adds a metric and a column later without losing data', async () => {
    const schema = b.schema()
    const ns = { schema, prefix: 'db1' }
    await installStore(b.db, { ...ns, metrics: [tDatabase] })
    const row = { datname: 'app', xact_commit: 1, blks_read: 2, numbackends: 3, stats_reset: null }
    await writeSnapshot(b.db, ns, snapshot(T0, { test_database: [row] }))
    const v2 = {
      ...tDatabase,
      values: { ...tDatabase.values, deadlocks: { kind: 'counter', unit: 'count' } },
    } as const satisfies MetricDefinition
    const r = await installStore(b.db, { ...ns, metrics: [v2, myWal] })
    expect(r.columnsAdded).toEqual([
      'db1_test_database_hourly.deadlocks_s',
      'db1_test_database_hourly.deadlocks_n',
      'db1_test_database.deadlocks',
    ])
    expect(r.tablesCreated).toEqual(['db1_my_wal_hourly', 'db1_my_wal'])
    expect(r.functionsUpdated.some((f) => f.includes('db1_ingest'))).toBe(true)
    await writeSnapshot(b.db, ns, snapshot(T0 + MIN, { test_database: [{ ...row, deadlocks: 7 }] }))
    const { rows } = await b.db.query<{ xact_commit: number; deadlocks: number | null }>(
      `SELECT xact_commit, deadlocks FROM "${schema}"."db1_test_database" ORDER BY "time"`,
    )
    expect(rows).toEqual([
      { xact_commit: 1, deadlocks: null },
      { xact_commit: 1, deadlocks: 7 },
    ])
    // A later install with fewer metrics keeps the others (tables and ingest).
    const r3 = await installStore(b.db, { ...ns, metrics: [tTables] })
    expect(r3.metrics).toEqual(['db1_my_wal', 'db1_test_database', 'db1_test_tables'])
    const changedLabels = {
      ...tDatabase,
      labels: { datname: 'text', usename: 'text' },
    } as const satisfies MetricDefinition
    await expect(installStore(b.db, { ...ns, metrics: [changedLabels] })).rejects.toMatchObject({ code: 'CONFIG' })
  })
}
