import type { Collector, MetricDefinition } from '@pggraph/core'
import { counter, selectList, versioned } from './sql.js'

const values = {
  num_timed: counter('checkpoints', 'Scheduled checkpoints (before 17: pg_stat_bgwriter.checkpoints_timed)', {
    per: 'hour',
  }),
  num_requested: counter('checkpoints', 'Requested checkpoints (before 17: checkpoints_req)', { per: 'hour' }),
  num_done: counter('checkpoints', 'Checkpoints performed', { since: 18, per: 'hour' }),
  restartpoints_timed: counter('restartpoints', 'Scheduled restartpoints (standby)', { since: 17, per: 'hour' }),
  restartpoints_req: counter('restartpoints', 'Requested restartpoints (standby)', { since: 17, per: 'hour' }),
  restartpoints_done: counter('restartpoints', 'Restartpoints performed (standby)', { since: 17, per: 'hour' }),
  write_time: counter('ms', 'Time writing checkpoint files (before 17: checkpoint_write_time)'),
  sync_time: counter('ms', 'Time syncing checkpoint files (before 17: checkpoint_sync_time)'),
  buffers_written: counter('buffers', 'Buffers written by checkpoints (before 17: buffers_checkpoint)'),
  slru_written: counter('buffers', 'SLRU buffers written by checkpoints', 18),
} as const

// Before 17 the checkpoint counters lived in pg_stat_bgwriter under other names.
const before17 = {
  num_timed: 'checkpoints_timed',
  num_requested: 'checkpoints_req',
  write_time: 'checkpoint_write_time',
  sync_time: 'checkpoint_sync_time',
  buffers_written: 'buffers_checkpoint',
} as const

/**
 * `pg_stat_checkpointer` on every version: from 17 the view itself, before 17 the checkpoint
 * columns of `pg_stat_bgwriter` renamed to 17's names (and its `stats_reset`), so a graph of
 * checkpoints does not break when the server is upgraded.
 */
export const pgStatCheckpointer = {
  name: 'pg_stat_checkpointer',
  area: 'checkpointer',
  scope: 'cluster',
  description: 'Checkpoints and restartpoints: how many, why, time spent, buffers written',
  labels: {},
  values,
  statsReset: true,
  queries: versioned(
    values,
    (v) =>
      v >= 17
        ? `SELECT ${selectList(values, v)}, stats_reset FROM pg_stat_checkpointer`
        : `SELECT ${selectList(values, v, before17)}, stats_reset FROM pg_stat_bgwriter`,
    [17],
  ),
} as const satisfies MetricDefinition

/**
 * The checkpointer collector: {@link pgStatCheckpointer}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [checkpointer()] })
 * snap.metrics.pg_stat_checkpointer[0]?.num_requested
 * ```
 */
export function checkpointer(): Collector<readonly [typeof pgStatCheckpointer]> {
  return { name: 'checkpointer', metrics: [pgStatCheckpointer] }
}
