import type { Collector, MetricDefinition } from '@pggraph/core'
import { counter, selectList, versioned } from './sql.js'

const values = {
  buffers_clean: counter('buffers', 'Buffers written by the background writer'),
  maxwritten_clean: counter('count', 'Times the background writer stopped because it wrote too many buffers'),
  buffers_alloc: counter('buffers', 'Buffers allocated'),
  buffers_backend: counter('buffers', 'Buffers written directly by backends (removed in 17: see pg_stat_io)', {
    until: 17,
  }),
  buffers_backend_fsync: counter('count', 'Times a backend had to fsync itself (removed in 17: see pg_stat_io)', {
    until: 17,
  }),
} as const

/**
 * `pg_stat_bgwriter`: the background writer only. The checkpoint columns it had before 17 are in
 * {@link pgStatCheckpointer} on every version, under 17's names.
 */
export const pgStatBgwriter = {
  name: 'pg_stat_bgwriter',
  area: 'bgwriter',
  scope: 'cluster',
  description: 'Background writer: buffers cleaned and allocated',
  labels: {},
  values,
  statsReset: true,
  queries: versioned(values, (v) => `SELECT ${selectList(values, v)}, stats_reset FROM pg_stat_bgwriter`),
} as const satisfies MetricDefinition

/**
 * The background writer collector: {@link pgStatBgwriter}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [bgwriter()] })
 * snap.metrics.pg_stat_bgwriter[0]?.buffers_clean
 * ```
 */
export function bgwriter(): Collector<readonly [typeof pgStatBgwriter]> {
  return { name: 'bgwriter', metrics: [pgStatBgwriter] }
}
