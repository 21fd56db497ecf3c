// Ingest benchmark: snapshots of 1,000 table rows. writeSnapshot (one round trip, the ingest
// function; on node-postgres the rows go as two binary arrays) against COPY of the same rows
// into the same table (the floor), against one INSERT per row, and against writeSnapshot's
// all-JSON form (what PGlite and other drivers use), in one run. Run:
//   node --conditions=development --import tsx packages/store/bench/ingest.bench.ts
// PGGRAPH_BENCH_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be a superuser.
import type { MetricDefinition, MetricRow, Queryable, Snapshot, ValueColumn } from '@pggraph/core'
import pg from 'pg'
import { installStore, writeSnapshot } from '../src/index.js'
import { copyFrom } from './copy-in.js'
import { startLatencyProxy } from './latency-proxy.js'
import { benchSnapshot, scratchDatabase } from './bench-support.js'

// Roles are cluster-wide: a per-process schema name keeps them apart from other runs.
const SCHEMA = `bench${process.pid}`
const ROWS = 1000
const SNAPSHOTS = Number(process.env['PGGRAPH_BENCH_SNAPSHOTS'] ?? 100)
const VALUES = [
  'seq_scan',
  'seq_tup_read',
  'idx_scan',
  'idx_tup_fetch',
  'n_tup_ins',
  'n_tup_upd',
  'n_tup_del',
  'n_tup_hot_upd',
  'n_live_tup',
  'n_dead_tup',
  'n_mod_since_analyze',
  'n_ins_since_vacuum',
  'vacuum_count',
  'autovacuum_count',
  'analyze_count',
  'autoanalyze_count',
  'heap_blks_read',
  'heap_blks_hit',
  'idx_blks_read',
  'idx_blks_hit',
]

const metric: MetricDefinition = {
  name: 'bench_tables',
  area: 'tables',
  scope: 'database',
  description: 'pg_stat_user_tables-like',
  labels: { datname: 'text', schemaname: 'text', relname: 'text' },
  values: Object.fromEntries(
    VALUES.map((v): [string, ValueColumn] => [
      v,
      { kind: v.startsWith('n_live') || v.startsWith('n_dead') ? 'gauge' : 'counter', unit: 'count' },
    ]),
  ),
  queries: [{ since: 12, sql: 'SELECT 1' }],
}

function rows(i: number): MetricRow[] {
  return Array.from({ length: ROWS }, (_, r) => ({
    datname: 'app',
    schemaname: 'public',
    relname: `table_${r}`,
    ...Object.fromEntries(VALUES.map((v, k) => [v, i * 1000 + r * 7 + k * 13])),
  }))
}

const snap = (t: number, i: number): Snapshot => benchSnapshot(t, { bench_tables: rows(i) })

const scratch = await scratchDatabase(`bench_${process.pid}`, SCHEMA)
const { db } = scratch
const u = new URL(scratch.url)
try {
  const ns = { schema: SCHEMA, prefix: 'sys1' }
  await installStore(db, { ...ns, metrics: [metric] })
  const { rows: v } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)
  const day = Date.now() - (Date.now() % 86_400_000) - 86_400_000 // yesterday 00:00 UTC: every time below is in that one partition
  for (let i = 0; i < 5; i++) await writeSnapshot(db, ns, snap(day + i * 1000, i)) // warm-up

  // The machine is shared and its load varies from second to second, so the methods take turns
  // snapshot by snapshot and each is scored by the median time per snapshot.
  const cols = ['time', 'datname', 'schemaname', 'relname', ...VALUES]
  const colList = cols.map((c) => `"${c}"`).join(', ')
  const insert = `INSERT INTO ${SCHEMA}.sys1_bench_tables (${colList}) VALUES (${cols.map((_, k) => `$${k + 1}`).join(', ')}) ON CONFLICT DO NOTHING`
  const times = {
    ours: [] as number[],
    json: [] as number[],
    copy: [] as number[],
    txInsert: [] as number[],
    autoInsert: [] as number[],
  }
  // Not a pg.Client to writeSnapshot: every row travels inside the JSON.
  const jsonOnly: Queryable = { query: (sql, params) => db.query(sql, params as unknown[]) }
  const timed = async (into: number[], fn: () => Promise<unknown>) => {
    const t = performance.now()
    await fn()
    into.push(performance.now() - t)
  }
  const every = Math.max(1, Math.round(SNAPSHOTS / 10))
  for (let i = 0; i < SNAPSHOTS; i++) {
    await timed(times.ours, () => writeSnapshot(db, ns, snap(day + 10_000 + i * 1000, i)))
    await timed(times.json, () => writeSnapshot(jsonOnly, ns, snap(day + 200_000 + i * 1000, i)))
    await timed(times.copy, () => {
      const ts = new Date(day + 20_000_000 + i * 1000).toISOString()
      const text =
        rows(i)
          .map((r) => [ts, ...cols.slice(1).map((c) => String(r[c]))].join('\t'))
          .join('\n') + '\n'
      return copyFrom(db, `${SCHEMA}.sys1_bench_tables (${colList})`, text)
    })
    if (i % every === 0) {
      await timed(times.txInsert, async () => {
        const ts = new Date(day + 40_000_000 + i * 1000).toISOString()
        await db.query('BEGIN')
        for (const r of rows(i)) await db.query(insert, [ts, ...cols.slice(1).map((c) => r[c])])
        await db.query('COMMIT')
      })
      await timed(times.autoInsert, async () => {
        const ts = new Date(day + 60_000_000 + i * 1000).toISOString()
        for (const r of rows(i)) await db.query(insert, [ts, ...cols.slice(1).map((c) => r[c])])
      })
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const rate = (xs: number[]) => ROWS / (median(xs) / 1000)
  const ours = rate(times.ours)
  const json = rate(times.json)
  const copy = rate(times.copy)
  const txInsert = rate(times.txInsert)
  const autoInsert = rate(times.autoInsert)
  const per = times.txInsert.length

  const { rows: cnt } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.sys1_bench_tables`)
  if (cnt[0]!.n !== (5 + 3 * SNAPSHOTS + 2 * per) * ROWS) throw new Error(`row count ${cnt[0]!.n} is wrong`)
  const f = (x: number) => Math.round(x).toLocaleString('en-US')
  console.log(
    `PostgreSQL ${v[0]!.v}, ${SNAPSHOTS} snapshots of ${ROWS} rows x ${VALUES.length} values (median per snapshot, methods interleaved)`,
  )
  console.log(
    '| writeSnapshot rows/s | COPY rows/s | INSERT/row, 1 tx per snapshot | INSERT/row, autocommit | vs COPY | vs INSERT (tx) | vs INSERT (autocommit) | all-JSON writeSnapshot rows/s | all-JSON vs COPY |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  console.log(
    `| ${f(ours)} | ${f(copy)} | ${f(txInsert)} | ${f(autoInsert)} | ${((100 * ours) / copy).toFixed(0)}% | ${(ours / txInsert).toFixed(1)}x | ${(ours / autoInsert).toFixed(1)}x | ${f(json)} | ${((100 * json) / copy).toFixed(0)}% |`,
  )

  // The snapshot that opens a new hour: the ingest no longer rolls up (maintenance does), so it
  // should cost what any other snapshot does.
  const hourStart = day + 3 * 3_600_000
  const inHour: number[] = []
  for (let i = 0; i < 60; i++) await timed(inHour, () => writeSnapshot(db, ns, snap(hourStart + i * 60_000, i)))
  const crossing: number[] = []
  await timed(crossing, () => writeSnapshot(db, ns, snap(hourStart + 3_600_000, 60)))
  console.log(
    `\nOpening an hour: a snapshot takes ${median(inHour).toFixed(1)} ms (median of 60 in one hour); the one that opens the next hour takes ${crossing[0]!.toFixed(0)} ms (rollups are maintenance's, not the ingest's).`,
  )

  // Across a network: the same comparison through a proxy adding RTT_MS of round-trip time.
  // writeSnapshot is one round trip; an idempotent COPY needs BEGIN, a claim of the snapshot
  // (INSERT … ON CONFLICT … RETURNING), the COPY and COMMIT; per-row INSERT needs 1,000.
  const RTT_MS = Number(process.env['PGGRAPH_BENCH_RTT_MS'] ?? 10)
  const proxy = await startLatencyProxy(u.hostname, Number(u.port || 5432), RTT_MS / 2)
  const far = new URL(u.toString())
  far.hostname = '127.0.0.1'
  far.port = String(proxy.port)
  const remote = new pg.Client({ connectionString: far.toString() })
  await remote.connect()
  try {
    const n = 20
    const wan = { ours: [] as number[], copy: [] as number[], insert: [] as number[] }
    for (let i = 0; i < n; i++) {
      await timed(wan.ours, () => writeSnapshot(remote, ns, snap(day + 70_000_000 + i * 1000, i)))
      await timed(wan.copy, async () => {
        const ts = new Date(day + 75_000_000 + i * 1000).toISOString()
        const text =
          rows(i)
            .map((r) => [ts, ...cols.slice(1).map((c) => String(r[c]))].join('\t'))
            .join('\n') + '\n'
        await remote.query('BEGIN')
        const claim = await remote.query(
          `INSERT INTO ${SCHEMA}.sys1_snapshots ("time", server_version_num, start_time) VALUES ($1, 170004, now()) ON CONFLICT DO NOTHING RETURNING 1`,
          [ts],
        )
        if (claim.rows.length) await copyFrom(remote, `${SCHEMA}.sys1_bench_tables (${colList})`, text)
        await remote.query('COMMIT')
      })
    }
    await timed(wan.insert, async () => {
      const ts = new Date(day + 80_000_000).toISOString()
      await remote.query('BEGIN')
      for (const r of rows(0)) await remote.query(insert, [ts, ...cols.slice(1).map((c) => r[c])])
      await remote.query('COMMIT')
    })
    const [a, c2, i2] = [rate(wan.ours), rate(wan.copy), rate(wan.insert)]
    console.log(`\nThrough a ${RTT_MS} ms round-trip proxy (${n} snapshots each, 1 for per-row INSERT):`)
    console.log('| writeSnapshot rows/s | idempotent COPY rows/s | INSERT/row, 1 tx | vs COPY | vs INSERT |')
    console.log('| --- | --- | --- | --- | --- |')
    console.log(`| ${f(a)} | ${f(c2)} | ${f(i2)} | ${((100 * a) / c2).toFixed(0)}% | ${(a / i2).toFixed(0)}x |`)
  } finally {
    await remote.end()
    await proxy.close()
  }
} finally {
  await scratch.drop()
}
