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

// 18 moved WAL write/sync counts and times to pg_stat_io (object 'wal'). Context 'normal' is
// what pg_stat_wal counted before 18 (writes and syncs of WAL buffers, by every backend type,
// the WAL receiver included), summed over backend types; context 'init' (zero-filling new
// segments) was never counted and is left out, so the columns keep their meaning across 18.
const io18 = (col: string) => `(SELECT sum(${col}) FROM pg_stat_io WHERE object = 'wal' AND context = 'normal')`
const from18 = {
  wal_write: (m: number) => (m >= 18 ? io18('writes') : 'wal_write'),
  wal_sync: (m: number) => (m >= 18 ? io18('fsyncs') : 'wal_sync'),
  wal_write_time: (m: number) => (m >= 18 ? io18('write_time') : 'wal_write_time'),
  wal_sync_time: (m: number) => (m >= 18 ? io18('fsync_time') : 'wal_sync_time'),
}
// From 18 the row has two sources, reset separately (pg_stat_reset_shared('wal') and ('io')):
// its stats_reset is the later of the two, so a reset of either explains the drop it causes.
const statsReset = (m: number) =>
  m >= 18
    ? "greatest(stats_reset, (SELECT max(stats_reset) FROM pg_stat_io WHERE object = 'wal')) AS stats_reset"
    : 'stats_reset'

/**
 * `pg_stat_wal` (14+): WAL generation. From 18 the write/sync columns come from `pg_stat_io`
 * (object `wal`, context `normal`, every backend type: what `pg_stat_wal` counted before) under
 * the same names, so graphs keep working; `stats_reset` is then the later of `pg_stat_wal`'s and
 * `pg_stat_io`'s reset, so a reset of `pg_stat_io` alone is a reset, not an unexplained drop.
 * Before 14 see `pg_server.wal_lsn`.
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
  queries: versioned(
    values,
    (v) => `SELECT ${selectList(values, v, from18)}, ${statsReset(v)} FROM pg_stat_wal`,
    [18],
    14,
  ),
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
