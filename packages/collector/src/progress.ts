import type { Collector, MetricDefinition } from '@pggraph/core'
import { gauge, selectList, versioned } from './sql.js'

const THIS_DB = '(SELECT oid FROM pg_database WHERE datname = current_database())'

const vacuumValues = {
  heap_blks_total: gauge('blocks', 'Heap blocks of the table'),
  heap_blks_scanned: gauge('blocks', 'Heap blocks scanned'),
  heap_blks_vacuumed: gauge('blocks', 'Heap blocks vacuumed'),
  index_vacuum_count: gauge('count', 'Index vacuum cycles done'),
  num_dead_item_ids: gauge(
    'count',
    'Dead item identifiers collected since the last index cycle (before 17: num_dead_tuples, the same quantity)',
  ),
  dead_items_fill: gauge(
    'ratio',
    'Share of the dead-item store filled; an index cycle runs at 1 (num_dead_tuples / max_dead_tuples before 17, dead_tuple_bytes / max_dead_tuple_bytes from 17): comparable across versions',
  ),
  max_dead_tuples: gauge(
    'tuples',
    'Dead tuples that fit before an index cycle (removed in 17: see max_dead_tuple_bytes)',
    {
      until: 17,
    },
  ),
  max_dead_tuple_bytes: gauge(
    'bytes',
    'Memory for dead items before an index cycle (17+; not comparable with max_dead_tuples)',
    17,
  ),
  dead_tuple_bytes: gauge('bytes', 'Memory used by dead items', 17),
  indexes_total: gauge('count', 'Indexes to vacuum', 17),
  indexes_processed: gauge('count', 'Indexes vacuumed', 17),
  delay_time: gauge('ms', 'Time sleeping for cost-based delay', 18),
} as const
const fill = ([used, max]: readonly [string, string]) => `${used}::float8 / nullif(${max}, 0)`

/**
 * `pg_stat_progress_vacuum`: running vacuums of the database collected, one row per backend.
 * Needs `pg_read_all_stats` to see other roles' vacuums (autovacuum included). PostgreSQL 17
 * renamed `num_dead_tuples` to `num_dead_item_ids` (the same count): it is `num_dead_item_ids`
 * on every version. It replaced `max_dead_tuples` (tuples) by `max_dead_tuple_bytes` (bytes),
 * which do not compare; `dead_items_fill` (used / maximum) does, on every version.
 */
export const pgStatProgressVacuum = {
  name: 'pg_stat_progress_vacuum',
  area: 'progress',
  scope: 'database',
  description: 'Running vacuums: phase and blocks done',
  labels: { datname: 'text', pid: 'text', relname: 'text', phase: 'text' },
  values: vacuumValues,
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: versioned(
    vacuumValues,
    (
      v,
    ) => `SELECT current_database()::text AS datname, pid::text AS pid, coalesce(relid::regclass::text, '') AS relname, phase,
  ${selectList(vacuumValues, v, {
    num_dead_item_ids: v < 17 ? 'num_dead_tuples' : 'num_dead_item_ids',
    dead_items_fill: fill(
      v < 17 ? ['num_dead_tuples', 'max_dead_tuples'] : ['dead_tuple_bytes', 'max_dead_tuple_bytes'],
    ),
  })}
FROM pg_stat_progress_vacuum WHERE datid = ${THIS_DB}`,
    [17],
  ),
} as const satisfies MetricDefinition

/**
 * `pg_stat_progress_create_index`: running CREATE INDEX / REINDEX of the database collected.
 */
export const pgStatProgressCreateIndex = {
  name: 'pg_stat_progress_create_index',
  area: 'progress',
  scope: 'database',
  description: 'Running index builds: phase, blocks and tuples done',
  labels: { datname: 'text', pid: 'text', relname: 'text', index_relname: 'text', command: 'text', phase: 'text' },
  values: {
    lockers_total: gauge('count', 'Lockers to wait for'),
    lockers_done: gauge('count', 'Lockers waited for'),
    blocks_total: gauge('blocks', 'Blocks to process in this phase'),
    blocks_done: gauge('blocks', 'Blocks processed'),
    tuples_total: gauge('tuples', 'Tuples to process in this phase'),
    tuples_done: gauge('tuples', 'Tuples processed'),
    partitions_total: gauge('count', 'Partitions to process'),
    partitions_done: gauge('count', 'Partitions processed'),
  },
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: [
    {
      since: 12,
      sql: `SELECT current_database()::text AS datname, pid::text AS pid, coalesce(relid::regclass::text, '') AS relname,
  CASE WHEN index_relid = 0 THEN '' ELSE coalesce(index_relid::regclass::text, '') END AS index_relname, command, phase,
  lockers_total, lockers_done, blocks_total, blocks_done, tuples_total, tuples_done, partitions_total, partitions_done
FROM pg_stat_progress_create_index WHERE datid = ${THIS_DB}`,
    },
  ],
} as const satisfies MetricDefinition

const relOf = (c: string) => `CASE WHEN ${c} = 0 THEN '' ELSE coalesce(${c}::regclass::text, '') END`
const ratioOf = (done: string, total: string) => `${done}::float8 / nullif(${total}, 0)`

const analyzeValues = {
  sample_blks_total: gauge('blocks', 'Heap blocks to sample'),
  sample_blks_scanned: gauge('blocks', 'Heap blocks sampled'),
  ext_stats_total: gauge('count', 'Extended statistics to compute'),
  ext_stats_computed: gauge('count', 'Extended statistics computed'),
  child_tables_total: gauge('count', 'Child tables to process'),
  child_tables_done: gauge('count', 'Child tables processed'),
  delay_time: gauge('ms', 'Time sleeping for cost-based delay', 18),
  done_ratio: gauge('ratio', 'Share done (0–1): sample blocks scanned / total'),
} as const

/** `pg_stat_progress_analyze` (13+): running ANALYZE (manual or autovacuum's) of the database collected. */
export const pgStatProgressAnalyze = {
  name: 'pg_stat_progress_analyze',
  area: 'progress',
  scope: 'database',
  description: 'Running ANALYZE: phase, sample blocks scanned, share done',
  labels: { datname: 'text', pid: 'text', relname: 'text', phase: 'text' },
  values: analyzeValues,
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: versioned(
    analyzeValues,
    (v) => `SELECT current_database()::text AS datname, pid::text AS pid, ${relOf('relid')} AS relname, phase,
  ${selectList(analyzeValues, v, { done_ratio: ratioOf('sample_blks_scanned', 'sample_blks_total') })}
FROM pg_stat_progress_analyze WHERE datid = ${THIS_DB}`,
    [],
    13,
  ),
} as const satisfies MetricDefinition

/** `pg_stat_progress_cluster`: running CLUSTER and VACUUM FULL of the database collected. */
export const pgStatProgressCluster = {
  name: 'pg_stat_progress_cluster',
  area: 'progress',
  scope: 'database',
  description: 'Running CLUSTER / VACUUM FULL: phase, heap blocks and tuples done, share done',
  labels: { datname: 'text', pid: 'text', relname: 'text', command: 'text', phase: 'text' },
  values: {
    heap_tuples_scanned: gauge('tuples', 'Heap tuples scanned'),
    heap_tuples_written: gauge('tuples', 'Heap tuples written'),
    heap_blks_total: gauge('blocks', 'Heap blocks of the table (a sequential scan only)'),
    heap_blks_scanned: gauge('blocks', 'Heap blocks scanned (a sequential scan only)'),
    index_rebuild_count: gauge('count', 'Indexes rebuilt'),
    done_ratio: gauge('ratio', 'Share of the heap scanned (0–1; null when the table is read through an index)'),
  },
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: [
    {
      since: 12,
      sql: `SELECT current_database()::text AS datname, pid::text AS pid, ${relOf('relid')} AS relname, command, phase,
  heap_tuples_scanned, heap_tuples_written, heap_blks_total, heap_blks_scanned, index_rebuild_count,
  ${ratioOf('heap_blks_scanned', 'heap_blks_total')} AS done_ratio
FROM pg_stat_progress_cluster WHERE datid = ${THIS_DB}`,
    },
  ],
} as const satisfies MetricDefinition

const copyValues = {
  bytes_processed: gauge('bytes', 'Bytes processed'),
  bytes_total: gauge('bytes', 'Size of the source file (COPY FROM a file; 0 otherwise)'),
  tuples_processed: gauge('tuples', 'Rows processed'),
  tuples_excluded: gauge('tuples', 'Rows left out by the WHERE clause'),
  tuples_skipped: gauge('tuples', 'Rows skipped for malformed data (ON_ERROR ignore)', 17),
  done_ratio: gauge('ratio', 'Share done (0–1): bytes processed / total; null when the size is not known'),
} as const

/** `pg_stat_progress_copy` (14+): running COPY of the database collected. */
export const pgStatProgressCopy = {
  name: 'pg_stat_progress_copy',
  area: 'progress',
  scope: 'database',
  description: 'Running COPY: bytes and rows processed, share done when the size is known',
  labels: { datname: 'text', pid: 'text', relname: 'text', command: 'text', type: 'text' },
  values: copyValues,
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: versioned(
    copyValues,
    (v) => `SELECT current_database()::text AS datname, pid::text AS pid, ${relOf('relid')} AS relname, command, type,
  ${selectList(copyValues, v, { done_ratio: ratioOf('bytes_processed', 'bytes_total') })}
FROM pg_stat_progress_copy WHERE datid = ${THIS_DB}`,
    [],
    14,
  ),
} as const satisfies MetricDefinition

/** `pg_stat_progress_basebackup` (13+): running base backups (pg_basebackup) of the server. */
export const pgStatProgressBasebackup = {
  name: 'pg_stat_progress_basebackup',
  area: 'progress',
  scope: 'cluster',
  description: 'Running base backups: phase, bytes streamed, share done',
  labels: { pid: 'text', phase: 'text' },
  values: {
    backup_total: gauge('bytes', 'Bytes to stream (null when pg_basebackup runs with --no-estimate-size)'),
    backup_streamed: gauge('bytes', 'Bytes streamed'),
    tablespaces_total: gauge('count', 'Tablespaces to stream'),
    tablespaces_streamed: gauge('count', 'Tablespaces streamed'),
    done_ratio: gauge('ratio', 'Share done (0–1): bytes streamed / total; null without an estimate'),
  },
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: [
    {
      since: 13,
      sql: `SELECT pid::text AS pid, phase, backup_total, backup_streamed, tablespaces_total, tablespaces_streamed,
  ${ratioOf('backup_streamed', 'backup_total')} AS done_ratio
FROM pg_stat_progress_basebackup`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The progress collector: {@link pgStatProgressVacuum}, {@link pgStatProgressCreateIndex},
 * {@link pgStatProgressAnalyze}, {@link pgStatProgressCluster}, {@link pgStatProgressCopy} and
 * {@link pgStatProgressBasebackup}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [progress()] })
 * snap.metrics.pg_stat_progress_vacuum.map((v) => [v.relname, v.phase, v.heap_blks_scanned])
 * ```
 */
export function progress(): Collector<
  readonly [
    typeof pgStatProgressVacuum,
    typeof pgStatProgressCreateIndex,
    typeof pgStatProgressAnalyze,
    typeof pgStatProgressCluster,
    typeof pgStatProgressCopy,
    typeof pgStatProgressBasebackup,
  ]
> {
  return {
    name: 'progress',
    metrics: [
      pgStatProgressVacuum,
      pgStatProgressCreateIndex,
      pgStatProgressAnalyze,
      pgStatProgressCluster,
      pgStatProgressCopy,
      pgStatProgressBasebackup,
    ],
  }
}
