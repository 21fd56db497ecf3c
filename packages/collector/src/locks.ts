import type { Collector, MetricDefinition } from '@pggraph/core'
import { ageOf, gauge } from './sql.js'

/** `pg_locks` summarised by lock type, mode and granted, with the longest wait (14+). */
export const pgLocks = {
  name: 'pg_locks',
  area: 'locks',
  scope: 'cluster',
  description: 'Locks by type, mode and granted; longest wait',
  labels: { locktype: 'text', mode: 'text', granted: 'text' },
  values: {
    locks: gauge('locks', 'Locks held or awaited'),
    max_wait_age: gauge('seconds', 'Longest time a lock has been awaited (waitstart)', 14),
  },
  queries: [
    {
      since: 14,
      sql: `SELECT locktype, coalesce(mode, '') AS mode, granted::text AS granted, count(*) AS locks, max(${ageOf('waitstart')}) AS max_wait_age
FROM pg_locks WHERE pid IS DISTINCT FROM pg_backend_pid() GROUP BY 1, 2, 3`,
    },
    {
      since: 12,
      until: 14,
      sql: `SELECT locktype, coalesce(mode, '') AS mode, granted::text AS granted, count(*) AS locks
FROM pg_locks WHERE pid IS DISTINCT FROM pg_backend_pid() GROUP BY 1, 2, 3`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The locks collector: {@link pgLocks}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [locks()] })
 * snap.metrics.pg_locks.filter((r) => r.granted === 'false')
 * ```
 */
export function locks(): Collector<readonly [typeof pgLocks]> {
  return { name: 'locks', metrics: [pgLocks] }
}
