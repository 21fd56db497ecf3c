import type { Collector, MetricDefinition } from '@pggraph/core'
import { counter, selectList, versioned } from './sql.js'

const values = {
  apply_error_count: counter('count', 'Errors while applying changes', 15),
  sync_error_count: counter('count', 'Errors during the initial table sync', 15),
  confl_insert_exists: counter('count', 'Conflicts: insert of an existing key', 18),
  confl_update_origin_differs: counter('count', 'Conflicts: update of a row changed by another origin', 18),
  confl_update_exists: counter('count', 'Conflicts: update to an existing key', 18),
  confl_update_missing: counter('count', 'Conflicts: update of a missing row', 18),
  confl_delete_origin_differs: counter('count', 'Conflicts: delete of a row changed by another origin', 18),
  confl_delete_missing: counter('count', 'Conflicts: delete of a missing row', 18),
  confl_multiple_unique_conflicts: counter('count', 'Conflicts: several unique keys', 18),
} as const

/** `pg_stat_subscription_stats` (15+): logical replication errors and conflicts per subscription. */
export const pgStatSubscriptionStats = {
  name: 'pg_stat_subscription_stats',
  area: 'subscriptions',
  scope: 'cluster',
  description: 'Logical replication subscriptions: apply and sync errors, conflicts (18)',
  // subscription names are unique per database only, and the view covers the whole server
  labels: { datname: 'text', subname: 'text' },
  values,
  statsReset: true,
  minServerVersion: 15,
  queries: versioned(
    values,
    (
      v,
    ) => `SELECT coalesce(d.datname::text, '') AS datname, st.subname::text AS subname, ${selectList(values, v, {}, 'st.')}, st.stats_reset
FROM pg_stat_subscription_stats st LEFT JOIN pg_subscription s ON s.oid = st.subid LEFT JOIN pg_database d ON d.oid = s.subdbid`,
    [],
    15,
  ),
} as const satisfies MetricDefinition

/**
 * The subscriptions collector: {@link pgStatSubscriptionStats}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [subscriptions()] })
 * snap.metrics.pg_stat_subscription_stats.map((s) => s.apply_error_count)
 * ```
 */
export function subscriptions(): Collector<readonly [typeof pgStatSubscriptionStats]> {
  return { name: 'subscriptions', metrics: [pgStatSubscriptionStats] }
}
