import type { Collector, MetricDefinition } from '@pggraph/core'
import { counter, gauge } from './sql.js'

/** `pg_stat_archiver`: WAL archiving successes and failures. */
export const pgStatArchiver = {
  name: 'pg_stat_archiver',
  area: 'archiver',
  scope: 'cluster',
  description: 'WAL archiving: segments archived and failed',
  labels: {},
  values: {
    archived_count: counter('files', 'WAL files archived', { per: 'minute' }),
    failed_count: counter('count', 'Failed archive attempts', { per: 'minute' }),
    last_archived_time: gauge('timestamp', 'Time of the last successful archive'),
    last_failed_time: gauge('timestamp', 'Time of the last failure'),
  },
  statsReset: true,
  queries: [
    {
      since: 12,
      sql: `SELECT archived_count, failed_count, extract(epoch FROM last_archived_time)::float8 AS last_archived_time,
  extract(epoch FROM last_failed_time)::float8 AS last_failed_time, stats_reset FROM pg_stat_archiver`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The archiver collector: {@link pgStatArchiver}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [archiver()] })
 * snap.metrics.pg_stat_archiver[0]?.failed_count
 * ```
 */
export function archiver(): Collector<readonly [typeof pgStatArchiver]> {
  return { name: 'archiver', metrics: [pgStatArchiver] }
}
