import type { Collector, MetricDefinition } from '@pggraph/core'
import { counter, selectList, versioned } from './sql.js'

const values = {
  wal_records: counter('count', 'WAL records generated', 14),
  wal_fpi: counter('count', 'Full page images generated', 14),
  wal_bytes: counter('bytes', 'WAL bytes generated', 14),
  wal_buffers_full: counter('count', 'Times WAL was written because the WAL buffers were full', 14),
  wal_write: counter('count', 'WAL write calls (from 18: pg_stat_io, object wal)', 14),
  wal_sync: counter('count', 'WAL fsync calls (from 18: pg_stat_io, object wal)', 14),
  wal_write_time: counter('ms', 'Time writing WAL (track_wal_io_timing; from 18: pg_stat_io)', 14),
  wal_sync_time: counter('ms', 'Time syncing WAL (track_wal_io_timing; from 18: pg_stat_io)', 14),
} as const

// 18 moved WAL write/sync counts and times to pg_stat_io (object 'wal', context 'normal').
const io18 = (col: string) => (major: number) =>
  major >= 18 ? `(SELECT sum(${col}) FROM pg_stat_io WHERE object = 'wal' AND context = 'normal')` : null
const from18 = {
  wal_write: (m: number) => io18('writes')(m) ?? 'wal_write',
  wal_sync: (m: number) => io18('fsyncs')(m) ?? 'wal_sync',
  wal_write_time: (m: number) => io18('write_time')(m) ?? 'wal_write_time',
  wal_sync_time: (m: number) => io18('fsync_time')(m) ?? 'wal_sync_time',
}

/**
 * `pg_stat_wal` (14+): WAL generation. From 18 the write/sync columns come from `pg_stat_io`
 * under the same names, so graphs keep working. Before 14 see `pg_server.wal_lsn`.
 */
export const pgStatWal = {
  name: 'pg_stat_wal',
  area: 'wal',
  scope: 'cluster',
  description: 'WAL generated: records, full page images, bytes, writes and syncs',
  labels: {},
  values,
  statsReset: true,
  minServerVersion: 14,
  queries: versioned(values, (v) => `SELECT ${selectList(values, v, from18)}, stats_reset FROM pg_stat_wal`, [18], 14),
} as const satisfies MetricDefinition

/**
 * The WAL collector: {@link pgStatWal}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [wal()] })
 * snap.metrics.pg_stat_wal[0]?.wal_bytes
 * ```
 */
export function wal(): Collector<readonly [typeof pgStatWal]> {
  return { name: 'wal', metrics: [pgStatWal] }
}
