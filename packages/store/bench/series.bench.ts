// Series benchmark: 30 days of 1-minute snapshots of one system (4 databases). readSeries of a
// counter as a rate, downsampled to 800 points in SQL, against fetching the raw rows (and
// against fetching them and computing rates + buckets in JavaScript). Run:
//   node --conditions=development --import tsx packages/store/bench/series.bench.ts [pglite]
// PGGRAPH_BENCH_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be a superuser.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seriesQuery, type Queryable } from '@pggraph/core'
import pg from 'pg'
import { installStore, maintainStore, openStore, readSeries, rollupStore, type StoreConnection } from '../src/index.js'
import { tDatabase } from '../src/testing/fixtures.js'

// The baseline a caller would write without the store: per-second rates in JS, none across a drop.
function ratesOf(samples: readonly { t: number; v: number }[]): { t: number; v: number | null }[] {
  return samples.slice(1).map((cur, i) => {
    const prev = samples[i]!
    const dt = (cur.t - prev.t) / 1000
    return { t: cur.t, v: dt > 0 && cur.v >= prev.v ? (cur.v - prev.v) / dt : null }
  })
}

const URL_ = process.env['PGGRAPH_BENCH_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
// Roles are cluster-wide: a per-process schema name keeps them apart from other runs.
const SCHEMA = `bench${process.pid}`
const DAYS = 30
const RUNS = 7
const usePglite = process.argv[2] === 'pglite'

// The store tests' per-database metric (two counters and a gauge, like pg_stat_database's).
const metric = tDatabase
const table = `${SCHEMA}.sys1_${metric.name}`

let db: StoreConnection
let cleanup: () => Promise<void>
if (usePglite) {
  const dir = mkdtempSync(join(tmpdir(), 'pggraph-bench-'))
  db = await openStore(`pglite:${dir}`)
  cleanup = async () => {
    await db.end()
    rmSync(dir, { recursive: true, force: true })
  }
} else {
  const admin = new pg.Client({ connectionString: URL_ })
  await admin.connect()
  const dbName = `bench_series_${process.pid}`
  await admin.query(`CREATE DATABASE ${dbName}`)
  const u = new URL(URL_)
  u.pathname = `/${dbName}`
  db = await openStore(u.toString(), { max: 1 })
  cleanup = async () => {
    await db.end()
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`)
    for (const r of [`${SCHEMA}_sys1_writer`, `${SCHEMA}_reader`, `${SCHEMA}_owner`])
      await admin.query(`DROP ROLE IF EXISTS ${r}`)
    await admin.end()
  }
}

try {
  const ns = { schema: SCHEMA, prefix: 'sys1' }
  await installStore(db, { ...ns, metrics: [metric] })
  const to = Date.parse('2026-02-01T00:00:00Z')
  const from = to - DAYS * 86_400_000
  let t = performance.now()
  for (let d = 0; d <= DAYS; d++) {
    await db.query(`SELECT ${SCHEMA}.pggraph_add_partition($1, $2::date)`, [
      `sys1_${metric.name}`,
      new Date(from + d * 86_400_000).toISOString().slice(0, 10),
    ])
  }
  // One restart half-way: start time changes and counters start again from zero.
  const restart = new Date(from + 15 * 86_400_000).toISOString()
  await db.query(
    `INSERT INTO ${SCHEMA}.sys1_snapshots ("time", server_version_num, server_version, start_time)
     SELECT ts, 170004, '17.4', CASE WHEN ts < $3::timestamptz THEN $1::timestamptz - interval '1 day' ELSE $3::timestamptz END
       FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') ts`,
    [new Date(from).toISOString(), new Date(to).toISOString(), restart],
  )
  await db.query(
    `INSERT INTO ${table} ("time", datname, xact_commit, blks_read, numbackends, stats_reset)
     SELECT ts, d, (extract(epoch FROM ts - CASE WHEN ts < $3::timestamptz THEN $1::timestamptz ELSE $3::timestamptz END) * (10 + length(d)))::float8
                 + (random() * 5)::int, extract(epoch FROM ts)::float8 * 100, 5 + (random() * 10)::int, NULL
       FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') ts,
            unnest(ARRAY['app', 'postgres', 'reporting', 'template1']) d`,
    [new Date(from).toISOString(), new Date(to).toISOString(), restart],
  )
  await db.query(`ANALYZE ${table}`)
  await db.query(`ANALYZE ${SCHEMA}.sys1_snapshots`)
  const loadMs = performance.now() - t
  const { rows: cnt } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)

  const query = seriesQuery(metric, ['xact_commit'], { labels: { datname: 'app' }, from, to, points: 800 })
  const raw = (q: Queryable) =>
    q.query<{ time: Date; xact_commit: number }>(
      `SELECT "time", xact_commit FROM ${table} WHERE datname = $1 AND "time" >= $2 AND "time" <= $3 ORDER BY "time"`,
      ['app', new Date(from).toISOString(), new Date(to).toISOString()],
    )
  const times = { ours: [] as number[], rolled: [] as number[], raw: [] as number[], rawJs: [] as number[] }
  let points = 0
  let rolledPoints = 0
  let rawRows = 0
  let rollupMs = 0
  for (let i = 0; i < 2 * (RUNS + 1); i++) {
    // first half: raw rows only; then the rollups are computed and the second half reads them
    if (i === RUNS + 1) {
      t = performance.now()
      await rollupStore(db, ns, { to: new Date(to) })
      rollupMs = performance.now() - t
    }
    t = performance.now()
    const set = await readSeries(db, ns, query)
    const a = performance.now() - t
    if (i <= RUNS) points = set.series[0]!.points.length
    else rolledPoints = set.series[0]!.points.length
    t = performance.now()
    const r = await raw(db)
    const b = performance.now() - t
    rawRows = r.rows.length
    t = performance.now()
    const r2 = await raw(db)
    const rates = ratesOf(r2.rows.map((x) => ({ t: new Date(x.time).getTime(), v: x.xact_commit })))
    const width = (to - from) / 800
    const buckets = new Map<number, { s: number; n: number }>()
    for (const p of rates) {
      if (p.v === null) continue
      const k = Math.min(799, Math.floor((p.t - from) / width))
      const e = buckets.get(k) ?? { s: 0, n: 0 }
      e.s += p.v
      e.n++
      buckets.set(k, e)
    }
    const c = performance.now() - t
    if (i > 0 && i !== RUNS + 1) {
      // the first round of each half warms caches and plans
      ;(i <= RUNS ? times.ours : times.rolled).push(a)
      times.raw.push(b)
      times.rawJs.push(c)
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
  // Packed hours (maintainStore): the same 30-day graph, and a 1-hour graph of the newest data
  // (its counter looks back one hour, into the newest packed hour), before and after packing.
  const hourQuery = { ...query, from: to - 3_600_000, points: 800 }
  const timed = async (q: typeof query): Promise<number> => {
    const xs: number[] = []
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now()
      await readSeries(db, ns, q)
      if (i > 0) xs.push(performance.now() - t0)
    }
    return median(xs)
  }
  const hourBefore = await timed(hourQuery)
  const before30 = JSON.stringify(await readSeries(db, ns, query))
  const beforeHour = JSON.stringify(await readSeries(db, ns, hourQuery))
  t = performance.now()
  const packed = await maintainStore(db, ns)
  const packMs = performance.now() - t
  if (JSON.stringify(await readSeries(db, ns, query)) !== before30) throw new Error('30-day series changed by packing')
  if (JSON.stringify(await readSeries(db, ns, hourQuery)) !== beforeHour)
    throw new Error('1-hour series changed by packing')
  const packed30 = await timed(query)
  const hourAfter = await timed(hourQuery)
  // collectedAt (stacked graphs ask for it): one more query over the snapshots of the range.
  const collected30 = await timed({ ...query, collectedAt: true })
  const collectedRaw = await timed({ ...query, points: undefined, collectedAt: true })
  const plainRaw = await timed({ ...query, points: undefined })
  const r0 = median(times.raw)
  console.log(
    `packed ${packed.hoursPacked} hours (${packed.rowsPacked} rows into ${packed.rowsWritten}) in ${(packMs / 1000).toFixed(1)} s`,
  )
  console.log(
    '| store | 30 days, packed hours + rollups | vs fetch raw rows | 1 hour of newest data, before packing | after packing |',
  )
  console.log('| --- | --- | --- | --- | --- |')
  console.log(
    `| ${usePglite ? 'PGlite' : 'PostgreSQL'} | ${packed30.toFixed(1)} ms | ${(r0 / packed30).toFixed(1)}x | ${hourBefore.toFixed(1)} ms | ${hourAfter.toFixed(1)} ms (${(hourAfter / hourBefore).toFixed(2)}x) |`,
  )
  console.log(
    `collectedAt: 30 days at 800 points ${collected30.toFixed(1)} ms vs ${packed30.toFixed(1)} ms without (${(collected30 / packed30).toFixed(2)}x); every snapshot (${DAYS * 1440} times) ${collectedRaw.toFixed(1)} ms vs ${plainRaw.toFixed(1)} ms (${(collectedRaw / plainRaw).toFixed(2)}x)`,
  )
  const [o, ro, r, rj] = [median(times.ours), median(times.rolled), median(times.raw), median(times.rawJs)]
  const { rows: v } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)
  console.log(
    `${usePglite ? 'PGlite' : 'PostgreSQL'} ${v[0]!.v}: ${cnt[0]!.n.toLocaleString('en-US')} rows (${DAYS} days x 1440 snapshots x 4 databases) loaded in ${(loadMs / 1000).toFixed(1)} s`,
  )
  console.log(`hourly rollups for ${DAYS} days computed in ${(rollupMs / 1000).toFixed(2)} s`)
  console.log(
    '| store | readSeries, raw rows | readSeries, hourly rollups | fetch raw rows | fetch raw + rates/buckets in JS | raw-rows readSeries vs fetch | rollups vs fetch |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  console.log(
    `| ${usePglite ? 'PGlite' : `PostgreSQL ${v[0]!.v.split(' ')[0]}`} | ${o.toFixed(1)} ms (${points} points) | ${ro.toFixed(1)} ms (${rolledPoints} points) | ${r.toFixed(1)} ms (${rawRows} rows) | ${rj.toFixed(1)} ms | ${(r / o).toFixed(1)}x | ${(r / ro).toFixed(1)}x |`,
  )
} finally {
  if (!process.env['PGGRAPH_BENCH_KEEP']) await cleanup()
  else await db.end()
}
