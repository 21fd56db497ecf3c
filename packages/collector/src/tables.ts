import type { Collector, MetricDefinition } from '@pggraph/core'
import { LOCKED_TABLES, counter, gauge, selectList, versioned } from './sql.js'
import { topNQuery } from './top-n.js'
import { topOption, withParams } from './params.js'

const stat = {
  seq_scan: counter('scans', 'Sequential scans'),
  seq_tup_read: counter('tuples', 'Rows read by sequential scans'),
  idx_scan: counter('scans', 'Index scans'),
  idx_tup_fetch: counter('tuples', 'Rows fetched by index scans'),
  n_tup_ins: counter('tuples', 'Rows inserted'),
  n_tup_upd: counter('tuples', 'Rows updated'),
  n_tup_del: counter('tuples', 'Rows deleted'),
  n_tup_hot_upd: counter('tuples', 'Rows HOT-updated'),
  n_tup_newpage_upd: counter('tuples', 'Rows updated onto a new page', 16),
  n_live_tup: gauge('tuples', 'Estimated live rows'),
  n_dead_tup: gauge('tuples', 'Estimated dead rows'),
  n_mod_since_analyze: gauge('tuples', 'Rows modified since the last analyze'),
  n_ins_since_vacuum: gauge('tuples', 'Rows inserted since the last vacuum', 13),
  last_vacuum: gauge('timestamp', 'Last manual vacuum'),
  last_autovacuum: gauge('timestamp', 'Last autovacuum'),
  last_analyze: gauge('timestamp', 'Last manual analyze'),
  last_autoanalyze: gauge('timestamp', 'Last autoanalyze'),
  last_seq_scan: gauge('timestamp', 'Last sequential scan', 16),
  last_idx_scan: gauge('timestamp', 'Last index scan', 16),
  vacuum_count: counter('count', 'Manual vacuums'),
  autovacuum_count: counter('count', 'Autovacuums'),
  analyze_count: counter('count', 'Manual analyzes'),
  autoanalyze_count: counter('count', 'Autoanalyzes'),
  total_vacuum_time: counter('ms', 'Time in manual vacuum', 18),
  total_autovacuum_time: counter('ms', 'Time in autovacuum', 18),
  total_analyze_time: counter('ms', 'Time in manual analyze', 18),
  total_autoanalyze_time: counter('ms', 'Time in autoanalyze', 18),
} as const
const statio = {
  heap_blks_read: counter('blocks', 'Heap blocks read (pg_statio_user_tables)'),
  heap_blks_hit: counter('blocks', 'Heap blocks found in shared buffers'),
  idx_blks_read: counter('blocks', 'Index blocks read, all indexes of the table'),
  idx_blks_hit: counter('blocks', 'Index blocks hit, all indexes of the table'),
  toast_blks_read: counter('blocks', 'TOAST blocks read'),
  toast_blks_hit: counter('blocks', 'TOAST blocks hit'),
  tidx_blks_read: counter('blocks', 'TOAST index blocks read'),
  tidx_blks_hit: counter('blocks', 'TOAST index blocks hit'),
} as const
const sizes = {
  table_bytes: gauge('bytes', 'pg_table_size(): heap with its free space and visibility maps, and TOAST'),
  indexes_bytes: gauge('bytes', 'pg_indexes_size(): all indexes of the table'),
  toast_bytes: gauge('bytes', 'TOAST table and its index'),
  total_bytes: gauge('bytes', 'table_bytes + indexes_bytes (= pg_total_relation_size())'),
} as const
const values = { ...stat, ...statio, ...sizes } as const

/** The default number of tables kept by {@link tables} (by activity and by size each). */
export const DEFAULT_TOP_TABLES = 500

// The size functions stat every file of every fork: most of the cost on a large catalog. So the
// ranking by size uses pg_class.relpages (as of the last VACUUM/ANALYZE), exact sizes are computed
// only for the kept tables, and the (other) row sums the relpages estimates.
const source = (
  v: number,
) => `SELECT current_database()::text AS datname, s.schemaname::text AS schemaname, s.relname::text AS relname,
  ${selectList(stat, v, {}, 's.')}, ${Object.keys(statio)
    .map((c) => `io.${c}`)
    .join(
      ', ',
    )}, s.relid AS pggraph_relid, c.reltoastrelid AS pggraph_toast, s.relid = ANY (${LOCKED_TABLES}) AS pggraph_locked,
  (c.relpages + coalesce(t.relpages, 0))::bigint * current_setting('block_size')::int AS pggraph_est_table,
  coalesce(ix.pages, 0)::bigint * current_setting('block_size')::int AS pggraph_est_indexes,
  coalesce(t.relpages, 0)::bigint * current_setting('block_size')::int AS pggraph_est_toast
FROM pg_stat_user_tables s JOIN pg_statio_user_tables io ON io.relid = s.relid JOIN pg_class c ON c.oid = s.relid
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
  LEFT JOIN (SELECT i.indrelid, sum(ic.relpages) AS pages FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid GROUP BY 1) ix
    ON ix.indrelid = s.relid`

/**
 * `pg_stat_user_tables` with the `pg_statio_user_tables` block counters and the table, index and
 * TOAST sizes of each table, in the database collected. Only the top N tables by activity (rows
 * read and written) and the top N by size (`pg_class.relpages`) are kept (`$1`, default
 * {@link DEFAULT_TOP_TABLES}); the rest are summed into one row with `relname` `(other)`, whose
 * sizes are estimates from `relpages` (as of the last VACUUM or ANALYZE). The sizes of a table
 * locked ACCESS EXCLUSIVE (a migration, VACUUM FULL) are `null` rather than waiting for the lock.
 */
export const pgStatUserTables = {
  name: 'pg_stat_user_tables',
  area: 'tables',
  scope: 'database',
  description: 'Tables: scans, rows written, live and dead rows, vacuum and analyze, block I/O, sizes (top N)',
  labels: { datname: 'text', schemaname: 'text', relname: 'text' },
  values,
  params: [DEFAULT_TOP_TABLES],
  queries: versioned(values, (v) =>
    topNQuery({
      source: source(v),
      labels: ['datname', 'schemaname', 'relname'],
      other: { datname: 'current_database()::text', relname: "'(other)'" },
      values,
      major: v,
      rankBy: [
        'coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) + n_tup_ins + n_tup_upd + n_tup_del',
        'pggraph_est_table + pggraph_est_indexes',
      ],
      enrich: `CASE WHEN NOT pggraph_locked THEN pg_table_size(pggraph_relid) END AS table_bytes,
  CASE WHEN NOT pggraph_locked THEN pg_indexes_size(pggraph_relid) END AS indexes_bytes,
  CASE WHEN pggraph_locked THEN NULL WHEN pggraph_toast <> 0 THEN pg_total_relation_size(pggraph_toast) ELSE 0 END AS toast_bytes`,
      finalExprs: { total_bytes: 'table_bytes + indexes_bytes' },
      otherExprs: {
        table_bytes: 'sum(pggraph_est_table)',
        indexes_bytes: 'sum(pggraph_est_indexes)',
        toast_bytes: 'sum(pggraph_est_toast)',
        total_bytes: 'sum(pggraph_est_table + pggraph_est_indexes)',
      },
    }),
  ),
} as const satisfies MetricDefinition

/** Options of {@link tables}. */
export interface TablesOptions {
  /** Keep this many tables by activity and this many by size; the rest become one `(other)` row. Default 500. */
  readonly top?: number
}

/**
 * The tables collector: {@link pgStatUserTables} for each database collected.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [tables({ top: 100 })] })
 * snap.metrics.pg_stat_user_tables.map((t) => [t.relname, t.n_dead_tup])
 * ```
 */
export function tables(options: TablesOptions = {}): Collector<readonly [typeof pgStatUserTables]> {
  return {
    name: 'tables',
    metrics: [withParams(pgStatUserTables, [topOption(options.top, DEFAULT_TOP_TABLES, 'tables')])],
  }
}
