import type { Collector, MetricDefinition } from '@pggraph/core'
import { ageOf, gauge } from './sql.js'

/**
 * `pg_stat_activity` summarised: backends per database, backend type and state, with the
 * longest transaction, query and state ages. Never query text. The collector's own backend is
 * left out. Needs `pg_read_all_stats` (otherwise other roles' states are hidden and the summary
 * would be wrong), so it is skipped without it.
 */
export const pgStatActivity = {
  name: 'pg_stat_activity',
  area: 'activity',
  scope: 'cluster',
  description: 'Backends by database, type and state; longest transaction, query and state age',
  labels: { datname: 'text', backend_type: 'text', state: 'text' },
  values: {
    backends: gauge('sessions', 'Backends in this state'),
    waiting_on_lock: gauge('sessions', 'Of these, waiting for a lock'),
    max_xact_age: gauge('seconds', 'Age of the oldest open transaction'),
    max_query_age: gauge('seconds', 'Age of the longest running query (state active)'),
    max_state_age: gauge('seconds', 'Time since the oldest state change (e.g. idle in transaction)'),
    max_xmin_age: gauge('xids', 'age(backend_xmin): the oldest snapshot, which holds back vacuum'),
  },
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: [
    {
      since: 12,
      sql: `SELECT coalesce(datname::text, '') AS datname, coalesce(backend_type, '') AS backend_type, coalesce(state, '') AS state,
  count(*) AS backends, count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting_on_lock,
  max(${ageOf('xact_start')}) AS max_xact_age,
  max(${ageOf('query_start')}) FILTER (WHERE state = 'active') AS max_query_age,
  max(${ageOf('state_change')}) AS max_state_age,
  max(age(backend_xmin)) AS max_xmin_age
FROM pg_stat_activity WHERE pid <> pg_backend_pid()
GROUP BY 1, 2, 3`,
    },
  ],
} as const satisfies MetricDefinition

/** `pg_stat_activity_wait`: backends per wait event type and wait event (the collector's own excluded). */
export const pgStatActivityWait = {
  name: 'pg_stat_activity_wait',
  area: 'activity',
  scope: 'cluster',
  description: 'Backends waiting, by wait event type and wait event',
  labels: { wait_event_type: 'text', wait_event: 'text' },
  values: { backends: gauge('sessions', 'Backends waiting on this event') },
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: [
    {
      since: 12,
      sql: `SELECT wait_event_type, wait_event, count(*) AS backends FROM pg_stat_activity
WHERE wait_event IS NOT NULL AND pid <> pg_backend_pid() GROUP BY 1, 2`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The activity collector: {@link pgStatActivity} and {@link pgStatActivityWait}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [activity()] })
 * snap.metrics.pg_stat_activity.filter((r) => r.state === 'idle in transaction')
 * ```
 */
export function activity(): Collector<readonly [typeof pgStatActivity, typeof pgStatActivityWait]> {
  return { name: 'activity', metrics: [pgStatActivity, pgStatActivityWait] }
}
