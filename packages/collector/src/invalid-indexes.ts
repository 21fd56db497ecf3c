import type { Collector, MetricDefinition } from '@pggraph/core'
import { LOCKED_TABLES, gauge } from './sql.js'

/** At most this many invalid indexes are listed per database (there should be none). */
export const MAX_INVALID_INDEXES = 100

/**
 * Invalid indexes (`pg_index.indisvalid` false) of the database collected, one row each: what a
 * failed `CREATE INDEX CONCURRENTLY` or `REINDEX CONCURRENTLY` leaves behind (also an index
 * being built concurrently right now). Writes still maintain such an index but no query uses it:
 * drop it or `REINDEX` it. Its size is `null` while its table is locked ACCESS EXCLUSIVE.
 */
export const pgInvalidIndexes = {
  name: 'pg_invalid_indexes',
  area: 'indexes',
  scope: 'database',
  description: 'Invalid indexes (pg_index.indisvalid = false), one row each: a failed CREATE INDEX CONCURRENTLY',
  labels: { datname: 'text', schemaname: 'text', relname: 'text', indexrelname: 'text' },
  values: {
    invalid: gauge('count', 'Always 1: sum over rows to count invalid indexes'),
    size_bytes: gauge('bytes', 'Size of the invalid index (still written to, never read)'),
  },
  queries: [
    {
      since: 12,
      sql: `SELECT current_database()::text AS datname, n.nspname::text AS schemaname, t.relname::text AS relname,
  c.relname::text AS indexrelname, 1 AS invalid,
  CASE WHEN i.indrelid <> ALL (${LOCKED_TABLES}) THEN pg_relation_size(i.indexrelid) END AS size_bytes
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid ORDER BY 2, 4 LIMIT ${MAX_INVALID_INDEXES}`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The invalid-indexes collector: {@link pgInvalidIndexes} for each database collected.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [invalidIndexes()] })
 * snap.metrics.pg_invalid_indexes.map((i) => i.indexrelname)
 * ```
 */
export function invalidIndexes(): Collector<readonly [typeof pgInvalidIndexes]> {
  return { name: 'invalid_indexes', metrics: [pgInvalidIndexes] }
}
