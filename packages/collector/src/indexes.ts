import type { Collector, MetricDefinition } from '@pggraph/core'
import { topOption, withParams } from './params.js'
import { LOCKED_TABLES, counter, gauge, selectList, versioned } from './sql.js'
import { topNQuery } from './top-n.js'

const values = {
  idx_scan: counter('scans', 'Scans of the index'),
  idx_tup_read: counter('tuples', 'Index entries returned'),
  idx_tup_fetch: counter('tuples', 'Rows fetched by simple index scans'),
  last_idx_scan: gauge('timestamp', 'Last scan of the index', 16),
  idx_blks_read: counter('blocks', 'Index blocks read (pg_statio_user_indexes)'),
  idx_blks_hit: counter('blocks', 'Index blocks found in shared buffers'),
  size_bytes: gauge('bytes', 'pg_relation_size() of the index'),
} as const

/** The default number of indexes kept by {@link indexes} (by scans and by size each). */
export const DEFAULT_TOP_INDEXES = 500

/**
 * `pg_stat_user_indexes` with the `pg_statio_user_indexes` block counters and the size of each
 * index, in the database collected. The top N by scans and the top N by size (`pg_class.relpages`)
 * are kept (`$1`, default {@link DEFAULT_TOP_INDEXES}); the rest are summed into one row with
 * `indexrelname` `(other)`, whose size is an estimate from `relpages`. The size of an index whose
 * table (or the index itself) is locked ACCESS EXCLUSIVE is `null` rather than waiting for the lock.
 */
export const pgStatUserIndexes = {
  name: 'pg_stat_user_indexes',
  area: 'indexes',
  scope: 'database',
  description: 'Indexes: scans, entries read, block I/O, size (top N)',
  labels: { datname: 'text', schemaname: 'text', relname: 'text', indexrelname: 'text' },
  values,
  params: [DEFAULT_TOP_INDEXES],
  queries: versioned(values, (v) =>
    topNQuery({
      source: `SELECT current_database()::text AS datname, s.schemaname::text AS schemaname, s.relname::text AS relname, s.indexrelname::text AS indexrelname,
  ${selectList(values, v, { idx_blks_read: 'io.idx_blks_read', idx_blks_hit: 'io.idx_blks_hit', size_bytes: null }, 's.')},
  s.indexrelid AS pggraph_relid, c.relpages::bigint * current_setting('block_size')::int AS pggraph_est,
  s.relid = ANY (${LOCKED_TABLES}) AS pggraph_locked
FROM pg_stat_user_indexes s JOIN pg_statio_user_indexes io ON io.indexrelid = s.indexrelid JOIN pg_class c ON c.oid = s.indexrelid`,
      labels: ['datname', 'schemaname', 'relname', 'indexrelname'],
      other: { datname: 'current_database()::text', indexrelname: "'(other)'" },
      values,
      major: v,
      rankBy: ['idx_scan', 'pggraph_est'],
      enrich: 'CASE WHEN NOT pggraph_locked THEN pg_relation_size(pggraph_relid) END AS size_bytes',
      otherExprs: { size_bytes: 'sum(pggraph_est)' },
    }),
  ),
} as const satisfies MetricDefinition

/** Options of {@link indexes}. */
export interface IndexesOptions {
  /** Keep this many indexes by scans and this many by size; the rest become one `(other)` row. Default 500. */
  readonly top?: number
}

/**
 * The indexes collector: {@link pgStatUserIndexes} for each database collected.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [indexes({ top: 200 })] })
 * snap.metrics.pg_stat_user_indexes.filter((i) => i.idx_scan === 0)
 * ```
 */
export function indexes(options: IndexesOptions = {}): Collector<readonly [typeof pgStatUserIndexes]> {
  return {
    name: 'indexes',
    metrics: [withParams(pgStatUserIndexes, [topOption(options.top, DEFAULT_TOP_INDEXES, 'indexes')])],
  }
}
