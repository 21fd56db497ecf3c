import type { Collector, MetricDefinition } from '@pggraph/core'
import { counter, gauge, selectList, versioned } from './sql.js'

const databaseValues = {
  numbackends: gauge('connections', 'Backends connected to the database'),
  xact_commit: counter('transactions', 'Transactions committed'),
  xact_rollback: counter('transactions', 'Transactions rolled back'),
  blks_read: counter('blocks', 'Blocks read from disk (or the OS cache)'),
  blks_hit: counter('blocks', 'Blocks found in shared buffers'),
  tup_returned: counter('tuples', 'Rows returned by sequential scans and index reads'),
  tup_fetched: counter('tuples', 'Rows fetched by index scans'),
  tup_inserted: counter('tuples', 'Rows inserted'),
  tup_updated: counter('tuples', 'Rows updated'),
  tup_deleted: counter('tuples', 'Rows deleted'),
  conflicts: counter('count', 'Queries cancelled by recovery conflicts (standby)', { per: 'minute' }),
  temp_files: counter('files', 'Temporary files created', { per: 'minute' }),
  temp_bytes: counter('bytes', 'Bytes written to temporary files'),
  deadlocks: counter('count', 'Deadlocks detected', { per: 'minute' }),
  checksum_failures: counter('count', 'Data page checksum failures (null when checksums are off)', { per: 'minute' }),
  checksum_last_failure: gauge('timestamp', 'Time of the last checksum failure'),
  blk_read_time: counter('ms', 'Time spent reading blocks (track_io_timing)'),
  blk_write_time: counter('ms', 'Time spent writing blocks (track_io_timing)'),
  session_time: counter('ms', 'Time spent by sessions', 14),
  active_time: counter('ms', 'Time spent executing statements', 14),
  idle_in_transaction_time: counter('ms', 'Time spent idle in a transaction', 14),
  sessions: counter('count', 'Sessions established', 14),
  sessions_abandoned: counter('count', 'Sessions ended by a lost client', { since: 14, per: 'minute' }),
  sessions_fatal: counter('count', 'Sessions ended by a fatal error', { since: 14, per: 'minute' }),
  sessions_killed: counter('count', 'Sessions terminated by an operator', { since: 14, per: 'minute' }),
  parallel_workers_to_launch: counter('count', 'Parallel workers planned', 18),
  parallel_workers_launched: counter('count', 'Parallel workers launched', 18),
} as const

/**
 * The `datname` of the row of `pg_stat_database` for shared objects (datid 0, `datname` null):
 * block I/O of the shared catalogs (pg_database, pg_authid, ...) and their checksum failures.
 */
export const SHARED_OBJECTS = '(shared objects)'

/**
 * `pg_stat_database`: activity per database (transactions, blocks, rows, temp files, sessions
 * from 14), and one row {@link SHARED_OBJECTS} for the shared catalogs (datid 0): their block
 * I/O and checksum failures, its transaction and row counts always 0. Sums over `datname` are the
 * server's totals.
 */
export const pgStatDatabase = {
  name: 'pg_stat_database',
  area: 'database',
  scope: 'cluster',
  description:
    'Activity per database: transactions, block I/O, rows, temporary files, deadlocks, sessions; the shared catalogs as (shared objects)',
  labels: { datname: 'text' },
  values: databaseValues,
  statsReset: true,
  queries: versioned(
    databaseValues,
    (v) =>
      `SELECT CASE WHEN datid = 0 THEN '${SHARED_OBJECTS}' ELSE datname::text END AS datname, ${selectList(databaseValues, v)}, stats_reset FROM pg_stat_database`,
  ),
} as const satisfies MetricDefinition

const conflictValues = {
  confl_tablespace: counter('count', 'Queries cancelled: dropped tablespace', { per: 'minute' }),
  confl_lock: counter('count', 'Queries cancelled: lock timeout', { per: 'minute' }),
  confl_snapshot: counter('count', 'Queries cancelled: old snapshot', { per: 'minute' }),
  confl_bufferpin: counter('count', 'Queries cancelled: pinned buffer', { per: 'minute' }),
  confl_deadlock: counter('count', 'Queries cancelled: deadlock', { per: 'minute' }),
  confl_active_logicalslot: counter('count', 'Logical slots invalidated by a conflict', { since: 16, per: 'minute' }),
} as const

/** `pg_stat_database_conflicts`: queries cancelled on a standby by recovery conflicts, per database. */
export const pgStatDatabaseConflicts = {
  name: 'pg_stat_database_conflicts',
  area: 'database',
  scope: 'cluster',
  description: 'Queries cancelled on a standby by recovery conflicts, per database',
  labels: { datname: 'text' },
  values: conflictValues,
  queries: versioned(
    conflictValues,
    (v) =>
      `SELECT datname::text AS datname, ${selectList(conflictValues, v)} FROM pg_stat_database_conflicts WHERE datname IS NOT NULL`,
  ),
} as const satisfies MetricDefinition

/**
 * `pg_database`: size and transaction-ID wraparound age of every database (templates included:
 * their age matters for wraparound too). The size is `null` for a database the role may not
 * connect to unless it has `pg_read_all_stats`.
 */
export const pgDatabase = {
  name: 'pg_database',
  area: 'database',
  scope: 'cluster',
  description: 'Size and transaction-ID wraparound age of every database',
  labels: { datname: 'text' },
  values: {
    size_bytes: gauge('bytes', 'pg_database_size()'),
    xid_age: gauge('xids', 'age(datfrozenxid): wraparound protection needs it below autovacuum_freeze_max_age'),
    mxid_age: gauge('xids', 'mxid_age(datminmxid)'),
    conn_limit: gauge('connections', 'datconnlimit (-1 = no limit)'),
  },
  queries: [
    {
      since: 12,
      sql: `SELECT datname::text AS datname,
  CASE WHEN has_database_privilege(oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'USAGE') THEN pg_database_size(oid) END AS size_bytes,
  age(datfrozenxid) AS xid_age, mxid_age(datminmxid) AS mxid_age, datconnlimit AS conn_limit
FROM pg_database`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The database collector: {@link pgStatDatabase}, {@link pgStatDatabaseConflicts} and
 * {@link pgDatabase} (sizes, wraparound age), for every database of the server.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [database()] })
 * snap.metrics.pg_stat_database.map((r) => [r.datname, r.xact_commit])
 * ```
 */
export function database(): Collector<
  readonly [typeof pgStatDatabase, typeof pgStatDatabaseConflicts, typeof pgDatabase]
> {
  return { name: 'database', metrics: [pgStatDatabase, pgStatDatabaseConflicts, pgDatabase] }
}
