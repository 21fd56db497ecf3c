import type { Collector, MetricDefinition } from '@pggraph/core'
import { ageOf, counter, gauge } from './sql.js'

const REPLAYED = 'pg_last_wal_replay_lsn()'
const RECEIVED = 'pg_last_wal_receive_lsn()'
const LAST_REPLAY = 'pg_last_xact_replay_timestamp()'

/**
 * On a standby, how far replay is behind: in seconds (the commit time of the last replayed
 * transaction, measured with `clock_timestamp()`), and in bytes (WAL received but not yet
 * replayed). `replay_delay` is 0 while everything received has been replayed, so an idle primary
 * does not read as a standby falling behind; `last_replay_age` is the raw age. No row on a
 * primary. Needs no privilege (the functions are executable by everyone).
 */
export const pgStandbyReplay = {
  name: 'pg_standby_replay',
  area: 'replication',
  scope: 'cluster',
  description: 'On a standby: replay delay in seconds and WAL received but not yet replayed (no row on a primary)',
  labels: {},
  values: {
    replay_delay: gauge(
      'seconds',
      'now - pg_last_xact_replay_timestamp(), 0 while all WAL received is replayed (an idle primary is not lag)',
    ),
    last_replay_age: gauge(
      'seconds',
      'now - pg_last_xact_replay_timestamp(): age of the last replayed commit, grows while the primary is idle',
    ),
    replay_distance_bytes: gauge(
      'bytes',
      'WAL received but not yet replayed: pg_last_wal_receive_lsn() - pg_last_wal_replay_lsn()',
    ),
    replay_paused: gauge('bool', '1 when replay is paused (pg_wal_replay_pause() or a recovery target)'),
  },
  queries: [
    {
      since: 12,
      sql: `SELECT CASE WHEN ${REPLAYED} >= ${RECEIVED} THEN 0 ELSE ${ageOf(LAST_REPLAY)} END AS replay_delay,
  ${ageOf(LAST_REPLAY)} AS last_replay_age,
  greatest(0, pg_wal_lsn_diff(${RECEIVED}, ${REPLAYED}))::float8 AS replay_distance_bytes,
  pg_is_wal_replay_paused()::int AS replay_paused
WHERE pg_is_in_recovery()`,
    },
  ],
} as const satisfies MetricDefinition

const blocks = (what: string) => counter('blocks', what)

/**
 * `pg_stat_recovery_prefetch` (15+): how WAL replay prefetches the blocks it is about to read
 * (`recovery_prefetch`, `maintenance_io_concurrency`). Read on a standby only: the view exists on a
 * primary too, but there it holds at most what the last crash recovery did, a constant, so a
 * primary has no row (like {@link pgStandbyReplay}). Before 15 it is skipped with the reason.
 * Reset by `pg_stat_reset_shared('recovery_prefetch')`.
 */
export const pgStatRecoveryPrefetch = {
  name: 'pg_stat_recovery_prefetch',
  area: 'replication',
  scope: 'cluster',
  description:
    'On a standby (15+; no row on a primary): blocks WAL replay prefetched, found cached or skipped, its look-ahead',
  labels: {},
  values: {
    prefetch: blocks('Blocks prefetched (posix_fadvise) because they were not in the buffer pool'),
    hit: blocks('Blocks not prefetched because they were already in the buffer pool'),
    skip_init: blocks('Blocks not prefetched because they would be zero-initialized'),
    skip_new: blocks('Blocks not prefetched because they did not exist yet'),
    skip_fpw: blocks('Blocks not prefetched because a full page image was in the WAL'),
    skip_rep: blocks('Blocks not prefetched because they were already recently prefetched'),
    wal_distance: gauge('bytes', 'How far ahead of replay the prefetcher is looking, in WAL bytes'),
    block_distance: gauge('blocks', 'How many blocks ahead of replay the prefetcher is looking'),
    io_depth: gauge('count', 'Prefetches in flight (not yet known to be complete)'),
  },
  statsReset: true,
  minServerVersion: 15,
  queries: [
    {
      since: 15,
      sql: `SELECT prefetch, hit, skip_init, skip_new, skip_fpw, skip_rep, wal_distance, block_distance, io_depth,
  stats_reset FROM pg_stat_recovery_prefetch WHERE pg_is_in_recovery()`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The standby collector: {@link pgStandbyReplay} and {@link pgStatRecoveryPrefetch}. They have a
 * row only on a standby.
 *
 * @example
 * ```ts
 * const snap = await collect(standbyDb, { collectors: [standby()] })
 * snap.metrics.pg_standby_replay[0]?.replay_delay
 * snap.metrics.pg_stat_recovery_prefetch[0]?.prefetch
 * ```
 */
export function standby(): Collector<readonly [typeof pgStandbyReplay, typeof pgStatRecoveryPrefetch]> {
  return { name: 'standby', metrics: [pgStandbyReplay, pgStatRecoveryPrefetch] }
}
