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

// Sessions waiting for a lock (an ungranted pg_locks row) and who blocks them (pg_blocking_pids),
// per database of the waiting session. Longest wait: waitstart (14+), before 14 the start of the
// waiting statement (query_start), an upper bound.
const waits = (since: 12 | 14) => `WITH pggraph_w AS (
  SELECT l.pid, ${since === 14 ? 'min(l.waitstart)' : 'min(a.query_start)'} AS since, pg_blocking_pids(l.pid) AS blockers,
    coalesce(a.datname::text, '') AS datname
  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE NOT l.granted AND l.pid IS DISTINCT FROM pg_backend_pid() GROUP BY l.pid, a.datname)
SELECT w.datname, count(*) AS blocked_sessions,
  (SELECT count(DISTINCT b) FROM pggraph_w x, unnest(x.blockers) b WHERE x.datname = w.datname
     AND NOT EXISTS (SELECT 1 FROM pggraph_w y WHERE y.pid = b)) AS root_blockers,
  max(${ageOf('w.since')}) AS longest_wait
FROM pggraph_w w GROUP BY w.datname`

/**
 * Lock waits as a tree, per database of the waiting sessions: how many sessions wait for a lock,
 * how many sessions at the root of the tree (blocking others while not waiting themselves, found
 * with `pg_blocking_pids()`) and the longest wait. No row when nothing waits.
 */
export const pgLockWaits = {
  name: 'pg_lock_waits',
  area: 'locks',
  scope: 'cluster',
  description: 'Sessions waiting for locks, root blockers (pg_blocking_pids) and the longest wait, per database',
  labels: { datname: 'text' },
  values: {
    blocked_sessions: gauge('sessions', 'Sessions waiting for a lock'),
    root_blockers: gauge('sessions', 'Sessions blocking others while not waiting themselves (the roots of the tree)'),
    longest_wait: gauge(
      'seconds',
      'Longest lock wait (waitstart; before 14 since the waiting statement began, an upper bound)',
    ),
  },
  queries: [
    { since: 14, sql: waits(14) },
    { since: 12, until: 14, sql: waits(12) },
  ],
} as const satisfies MetricDefinition

/**
 * The locks collector: {@link pgLocks} and {@link pgLockWaits}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [locks()] })
 * snap.metrics.pg_locks.filter((r) => r.granted === 'false')
 * ```
 */
export function locks(): Collector<readonly [typeof pgLocks, typeof pgLockWaits]> {
  return { name: 'locks', metrics: [pgLocks, pgLockWaits] }
}
