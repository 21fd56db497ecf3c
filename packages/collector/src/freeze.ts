import type { Collector, MetricDefinition } from '@pggraph/core'
import { gauge } from './sql.js'
import { topOption, withParams } from './params.js'

/** The default number of tables kept by {@link freeze} (the oldest by XID age and the oldest by multixact age each). */
export const DEFAULT_TOP_FREEZE = 20

// A table's own value of a storage parameter (reloptions), or null.
const reloption = (name: string) =>
  `(SELECT split_part(o, '=', 2)::bigint FROM unnest(c.reloptions) o WHERE o LIKE '${name}=%' LIMIT 1)`
// Autovacuum honours a table's own threshold only when it is lower than the server's.
const effective = (name: string) =>
  `least(coalesce(${reloption(name)}, current_setting('${name}')::bigint), current_setting('${name}')::bigint)`

const values = {
  xid_age: gauge(
    'xids',
    'age(relfrozenxid) of the table or its TOAST table, whichever is older: autovacuum forces a freeze at freeze_max_age',
  ),
  mxid_age: gauge('xids', 'mxid_age(relminmxid) of the table or its TOAST table, whichever is older'),
  freeze_max_age: gauge(
    'xids',
    "autovacuum_freeze_max_age for this table (its own storage parameter when lower, else the server's): the line to watch",
  ),
  multixact_freeze_max_age: gauge(
    'xids',
    "autovacuum_multixact_freeze_max_age for this table (its own storage parameter when lower, else the server's)",
  ),
} as const

/**
 * Per-table freeze age: `age(relfrozenxid)` and `mxid_age(relminmxid)` of the tables and
 * materialized views of the database collected (system catalogs included; a TOAST table counts
 * for its table), with the `autovacuum_freeze_max_age` and `autovacuum_multixact_freeze_max_age`
 * that apply to each (the table's own storage parameter when lower than the server's). Only the
 * `$1` oldest by XID age and the `$1` oldest by multixact age are kept (default
 * {@link DEFAULT_TOP_FREEZE}): the tables that hold `pg_database.datfrozenxid` back.
 */
export const pgTableFreezeAge = {
  name: 'pg_table_freeze_age',
  area: 'tables',
  scope: 'database',
  description:
    'Freeze age of the oldest tables: age(relfrozenxid), mxid_age(relminmxid) and the autovacuum freeze thresholds (top N)',
  labels: { datname: 'text', schemaname: 'text', relname: 'text' },
  values,
  params: [DEFAULT_TOP_FREEZE],
  queries: [
    {
      since: 12,
      sql: `WITH pggraph_f AS (
  SELECT c.oid, n.nspname::text AS schemaname, c.relname::text AS relname,
    greatest(age(c.relfrozenxid), age(t.relfrozenxid)) AS xid_age,
    greatest(mxid_age(c.relminmxid), mxid_age(t.relminmxid)) AS mxid_age
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
  WHERE c.relkind IN ('r', 'm')),
pggraph_r AS (SELECT pggraph_f.*,
  row_number() OVER (ORDER BY xid_age DESC, schemaname, relname) AS pggraph_x,
  row_number() OVER (ORDER BY mxid_age DESC, schemaname, relname) AS pggraph_m FROM pggraph_f)
SELECT current_database()::text AS datname, r.schemaname, r.relname, r.xid_age, r.mxid_age,
  ${effective('autovacuum_freeze_max_age')} AS freeze_max_age,
  ${effective('autovacuum_multixact_freeze_max_age')} AS multixact_freeze_max_age
FROM pggraph_r r JOIN pg_class c ON c.oid = r.oid WHERE r.pggraph_x <= $1 OR (r.pggraph_m <= $1 AND r.mxid_age > 0)`,
    },
  ],
} as const satisfies MetricDefinition

/** Options of {@link freeze}. */
export interface FreezeOptions {
  /** Keep this many tables by XID age and this many by multixact age. Default 20. */
  readonly top?: number
}

/**
 * The freeze collector: {@link pgTableFreezeAge} for each database collected: which tables hold
 * the database's wraparound age back, and how close each is to a forced (anti-wraparound) vacuum.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [freeze({ top: 5 })] })
 * snap.metrics.pg_table_freeze_age.map((t) => [t.relname, t.xid_age, t.freeze_max_age])
 * ```
 */
export function freeze(options: FreezeOptions = {}): Collector<readonly [typeof pgTableFreezeAge]> {
  return {
    name: 'freeze',
    metrics: [withParams(pgTableFreezeAge, [topOption(options.top, DEFAULT_TOP_FREEZE, 'freeze')])],
  }
}
