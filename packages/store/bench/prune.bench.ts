// Retention benchmark: pruneStore (drop whole daily partitions) against DELETE of the same rows
// from an unpartitioned copy with the same primary key, at a per-system volume (200 tables,
// 1-minute snapshots, 6 days). Run:
//   node --conditions=development --import tsx packages/store/bench/prune.bench.ts
// PGGRAPH_BENCH_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be a superuser.
import type { MetricDefinition } from '@pggraph/core'
import { installStore, pruneStore } from '../src/index.js'
import { scratchDatabase } from './bench-support.js'

// Roles are cluster-wide: a per-process schema name keeps them apart from other runs.
const SCHEMA = `bench${process.pid}`
const DAYS = 6
const TABLES = Number(process.env['PGGRAPH_BENCH_TABLES'] ?? 200)

const metric: MetricDefinition = {
  name: 'bench_tables',
  area: 'tables',
  scope: 'database',
  description: 'tables',
  labels: { relname: 'text' },
  values: { seq_scan: { kind: 'counter', unit: 'count' }, n_live_tup: { kind: 'gauge', unit: 'tuples' } },
  queries: [{ since: 12, sql: 'SELECT 1' }],
}

const scratch = await scratchDatabase(`bench_prune_${process.pid}`, SCHEMA)
const { db } = scratch
try {
  const ns = { schema: SCHEMA, prefix: 'sys1' }
  await installStore(db, { ...ns, metrics: [metric] })
  const from = Date.parse('2026-01-01T00:00:00Z')
  const to = from + DAYS * 86_400_000
  for (let d = 0; d < DAYS; d++) {
    await db.query(`SELECT ${SCHEMA}.pggraph_add_partition('sys1_bench_tables', $1::date)`, [
      new Date(from + d * 86_400_000).toISOString().slice(0, 10),
    ])
  }
  const range = [new Date(from).toISOString(), new Date(to).toISOString()]
  await db.query(
    `INSERT INTO ${SCHEMA}.sys1_snapshots ("time", server_version_num, start_time)
     SELECT ts, 170004, $1::timestamptz FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') ts`,
    range,
  )
  const fill = (table: string) =>
    db.query(
      `INSERT INTO ${table} ("time", relname, seq_scan, n_live_tup)
       SELECT ts, 't' || r, r * 10, r FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') ts, generate_series(1, ${TABLES}) r`,
      range,
    )
  await fill(`${SCHEMA}.sys1_bench_tables`)
  await db.query(`CREATE TABLE ${SCHEMA}.flat (LIKE ${SCHEMA}.sys1_bench_tables INCLUDING ALL)`)
  await fill(`${SCHEMA}.flat`)
  await db.query('CHECKPOINT')
  const cut = new Date(from + (DAYS / 2) * 86_400_000)
  let t = performance.now()
  const pruned = await pruneStore(db, ns, { olderThan: cut })
  const pruneMs = performance.now() - t
  t = performance.now()
  const del = await db.query(`DELETE FROM ${SCHEMA}.flat WHERE "time" < $1`, [cut.toISOString()])
  const deleteMs = performance.now() - t
  const { rows: v } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)
  console.log(
    `PostgreSQL ${v[0]!.v}: ${TABLES} tables x 1440 snapshots/day x ${DAYS} days; removing the older ${DAYS / 2} days`,
  )
  console.log('| pruneStore (drop partitions) | DELETE, unpartitioned | rows removed | ratio |')
  console.log('| --- | --- | --- | --- |')
  console.log(
    `| ${pruneMs.toFixed(0)} ms (${pruned.partitionsDropped.length} partitions) | ${deleteMs.toFixed(0)} ms | ${del.rowCount?.toLocaleString('en-US')} | ${(deleteMs / pruneMs).toFixed(0)}x |`,
  )
} finally {
  await scratch.drop()
}
