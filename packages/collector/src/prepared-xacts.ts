import type { Collector, MetricDefinition } from '@pggraph/core'
import { ageOf, gauge } from './sql.js'

/** `pg_prepared_xacts` summarised per database: how many, and the oldest (they hold back vacuum). */
export const pgPreparedXacts = {
  name: 'pg_prepared_xacts',
  area: 'prepared_xacts',
  scope: 'cluster',
  description: 'Prepared (two-phase) transactions per database: count and oldest',
  labels: { datname: 'text' },
  values: {
    prepared: gauge('transactions', 'Prepared transactions'),
    max_age: gauge('seconds', 'Age of the oldest'),
    max_xid_age: gauge('xids', 'age(transaction) of the oldest'),
  },
  queries: [
    {
      since: 12,
      sql: `SELECT database::text AS datname, count(*) AS prepared, max(${ageOf('prepared')}) AS max_age, max(age(transaction)) AS max_xid_age
FROM pg_prepared_xacts GROUP BY 1`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The prepared transactions collector: {@link pgPreparedXacts}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [preparedXacts()] })
 * snap.metrics.pg_prepared_xacts.map((r) => r.max_age)
 * ```
 */
export function preparedXacts(): Collector<readonly [typeof pgPreparedXacts]> {
  return { name: 'prepared_xacts', metrics: [pgPreparedXacts] }
}
