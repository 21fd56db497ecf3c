import type { Collector, MetricDefinition } from '@pggraph/core'
import { CURRENT_LSN, ageOf, counter, gauge, selectList, versioned } from './sql.js'

const lagBytes = (lsn: string) => `pg_wal_lsn_diff(${CURRENT_LSN}, ${lsn})`
const seconds = (interval: string) => `extract(epoch FROM ${interval})::float8`

/**
 * `pg_stat_replication`: one row per WAL sender (standby or logical subscriber), with its lag in
 * bytes (from this server's WAL position) and in seconds. Needs `pg_read_all_stats` to see the
 * positions of other roles' senders.
 */
export const pgStatReplication = {
  name: 'pg_stat_replication',
  area: 'replication',
  scope: 'cluster',
  description: 'Replication to standbys: lag in bytes and seconds per WAL sender',
  labels: { application_name: 'text', client_addr: 'text', pid: 'text' },
  values: {
    sent_lag_bytes: gauge('bytes', 'WAL not yet sent'),
    write_lag_bytes: gauge('bytes', 'WAL not yet written by the standby'),
    flush_lag_bytes: gauge('bytes', 'WAL not yet flushed by the standby'),
    replay_lag_bytes: gauge('bytes', 'WAL not yet replayed by the standby'),
    write_lag: gauge('seconds', 'write_lag'),
    flush_lag: gauge('seconds', 'flush_lag'),
    replay_lag: gauge('seconds', 'replay_lag'),
    is_sync: gauge('bool', '1 when sync_state is sync or quorum'),
    reply_age: gauge('seconds', 'Seconds since the last reply from the standby'),
    backend_xmin_age: gauge('xids', 'age(backend_xmin) (hot_standby_feedback)'),
  },
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: [
    {
      since: 12,
      sql: `SELECT coalesce(application_name, '') AS application_name, coalesce(host(client_addr), '') AS client_addr, pid::text AS pid,
  ${lagBytes('sent_lsn')} AS sent_lag_bytes, ${lagBytes('write_lsn')} AS write_lag_bytes,
  ${lagBytes('flush_lsn')} AS flush_lag_bytes, ${lagBytes('replay_lsn')} AS replay_lag_bytes,
  ${seconds('write_lag')} AS write_lag, ${seconds('flush_lag')} AS flush_lag, ${seconds('replay_lag')} AS replay_lag,
  (sync_state IN ('sync', 'quorum'))::int AS is_sync, ${ageOf('reply_time')} AS reply_age, age(backend_xmin) AS backend_xmin_age
FROM pg_stat_replication`,
    },
  ],
} as const satisfies MetricDefinition

const slotValues = {
  active: gauge('bool', '1 when a consumer is connected'),
  retained_bytes: gauge('bytes', 'WAL kept for the slot: current position minus restart_lsn'),
  confirmed_flush_lag_bytes: gauge('bytes', 'Logical slots: current position minus confirmed_flush_lsn'),
  xmin_age: gauge('xids', 'age(xmin): holds back vacuum'),
  catalog_xmin_age: gauge('xids', 'age(catalog_xmin): holds back catalog vacuum'),
  safe_wal_size: gauge('bytes', 'WAL that can still be written before the slot is lost (max_slot_wal_keep_size)', 13),
  wal_lost: gauge('bool', "1 when wal_status is 'lost'", 13),
  conflicting: gauge('bool', 'Logical slot invalidated by a conflict', 16),
  inactive_since: gauge('timestamp', 'When the slot became inactive', 17),
} as const

/** `pg_replication_slots`: retained WAL and xmin horizon per slot. */
export const pgReplicationSlots = {
  name: 'pg_replication_slots',
  area: 'replication',
  scope: 'cluster',
  description: 'Replication slots: retained WAL, xmin age, lost or conflicting',
  labels: { slot_name: 'text', slot_type: 'text', database: 'text' },
  values: slotValues,
  queries: versioned(
    slotValues,
    (v) =>
      `SELECT slot_name::text AS slot_name, slot_type, coalesce(database::text, '') AS database, ${selectList(
        slotValues,
        v,
        {
          active: 'active::int',
          retained_bytes: lagBytes('restart_lsn'),
          confirmed_flush_lag_bytes: lagBytes('confirmed_flush_lsn'),
          xmin_age: 'age(xmin)',
          catalog_xmin_age: 'age(catalog_xmin)',
          wal_lost: "(wal_status = 'lost')::int",
          conflicting: 'conflicting::int',
        },
      )} FROM pg_replication_slots`,
  ),
} as const satisfies MetricDefinition

const slotStatValues = {
  spill_txns: counter('transactions', 'Transactions spilled to disk', 14),
  spill_count: counter('count', 'Times transactions were spilled', 14),
  spill_bytes: counter('bytes', 'Bytes spilled', 14),
  stream_txns: counter('transactions', 'Transactions streamed', 14),
  stream_count: counter('count', 'Times transactions were streamed', 14),
  stream_bytes: counter('bytes', 'Bytes streamed', 14),
  total_txns: counter('transactions', 'Transactions decoded', 14),
  total_bytes: counter('bytes', 'Bytes decoded', 14),
} as const

/** `pg_stat_replication_slots` (14+): logical decoding statistics per slot. */
export const pgStatReplicationSlots = {
  name: 'pg_stat_replication_slots',
  area: 'replication',
  scope: 'cluster',
  description: 'Logical decoding per slot: transactions and bytes decoded, spilled, streamed',
  labels: { slot_name: 'text' },
  values: slotStatValues,
  statsReset: true,
  minServerVersion: 14,
  queries: versioned(
    slotStatValues,
    (v) =>
      `SELECT slot_name::text AS slot_name, ${selectList(slotStatValues, v)}, stats_reset FROM pg_stat_replication_slots`,
    [],
    14,
  ),
} as const satisfies MetricDefinition

/**
 * `pg_stat_wal_receiver`: on a standby, the WAL receiver's positions and how old its last
 * message is. No row on a primary. Before 13 `flushed_lsn` is read from `received_lsn`.
 */
export const pgStatWalReceiver = {
  name: 'pg_stat_wal_receiver',
  area: 'replication',
  scope: 'cluster',
  description: 'WAL receiver on a standby: positions, timeline, age of the last message',
  labels: { slot_name: 'text', sender_host: 'text' },
  values: {
    streaming: gauge('bool', "1 when status is 'streaming'"),
    received_tli: gauge('count', 'Timeline of the last received WAL'),
    written_lsn: counter('bytes', 'WAL written to disk (not flushed)', 13),
    flushed_lsn: counter('bytes', 'WAL flushed to disk (before 13: received_lsn)'),
    replay_lag_bytes: gauge('bytes', 'Flushed but not yet replayed WAL'),
    last_msg_send_age: gauge('seconds', 'Seconds since the primary sent the last message'),
    last_msg_receipt_age: gauge('seconds', 'Seconds since the last message was received'),
    latest_end_age: gauge('seconds', 'Seconds since the last reported WAL end'),
  },
  requires: [{ privilege: 'pg_read_all_stats' }],
  queries: versioned({ written_lsn: { kind: 'counter', unit: 'bytes', since: 13 } }, (v) => {
    const flushed = v >= 13 ? 'flushed_lsn' : 'received_lsn'
    return `SELECT coalesce(slot_name, '') AS slot_name, coalesce(sender_host, '') AS sender_host, (status = 'streaming')::int AS streaming, received_tli,
  ${v >= 13 ? "pg_wal_lsn_diff(written_lsn, '0/0') AS written_lsn, " : ''}pg_wal_lsn_diff(${flushed}, '0/0') AS flushed_lsn,
  pg_wal_lsn_diff(${flushed}, pg_last_wal_replay_lsn()) AS replay_lag_bytes,
  ${ageOf('last_msg_send_time')} AS last_msg_send_age, ${ageOf('last_msg_receipt_time')} AS last_msg_receipt_age,
  ${ageOf('latest_end_time')} AS latest_end_age
FROM pg_stat_wal_receiver`
  }),
} as const satisfies MetricDefinition

/**
 * The replication collector: {@link pgStatReplication}, {@link pgReplicationSlots},
 * {@link pgStatReplicationSlots} (14+) and {@link pgStatWalReceiver}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [replication()] })
 * snap.metrics.pg_replication_slots.map((s) => [s.slot_name, s.retained_bytes])
 * ```
 */
export function replication(): Collector<
  readonly [
    typeof pgStatReplication,
    typeof pgReplicationSlots,
    typeof pgStatReplicationSlots,
    typeof pgStatWalReceiver,
  ]
> {
  return {
    name: 'replication',
    metrics: [pgStatReplication, pgReplicationSlots, pgStatReplicationSlots, pgStatWalReceiver],
  }
}
