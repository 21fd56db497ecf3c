import type { Collector, MetricDefinition } from '@pggraph/core'
import { ageOf, counter, gauge } from './sql.js'

/**
 * `pg_server`: one row about the server itself (uptime, recovery, version, timeline, WAL
 * position, transaction-ID consumption and wraparound age), so graphs can show restarts,
 * failovers and upgrades next to the statistics.
 */
export const pgServer = {
  name: 'pg_server',
  area: 'server',
  scope: 'cluster',
  description: 'The server: uptime, recovery state, version, timeline, WAL position, transaction IDs',
  labels: {},
  values: {
    uptime: gauge('seconds', 'Seconds since the postmaster started'),
    start_time: gauge('timestamp', 'pg_postmaster_start_time()'),
    in_recovery: gauge('bool', '1 on a standby (pg_is_in_recovery()), 0 on a primary'),
    version_num: gauge('count', 'server_version_num, e.g. 170004'),
    timeline: gauge('count', 'Timeline of the latest checkpoint (pg_control_checkpoint())'),
    wal_lsn: counter(
      'bytes',
      'WAL position in bytes: the insert position on a primary, the last received on a standby; its rate is WAL generated',
    ),
    xact_id: counter('xids', 'Next transaction ID (64-bit, with epoch); its rate is the transaction-ID consumption'),
    xid_age: gauge('xids', 'Age of the oldest datfrozenxid of all databases (wraparound at 2^31)'),
    mxid_age: gauge('xids', 'Age of the oldest datminmxid of all databases'),
    max_connections: gauge('connections', 'max_connections'),
    connections: gauge('connections', 'Client backends connected now'),
    conf_load_age: gauge('seconds', 'Seconds since the configuration was last (re)loaded'),
  },
  queries: [
    {
      since: 12,
      sql: `SELECT ${ageOf('pg_postmaster_start_time()')} AS uptime,
  extract(epoch FROM pg_postmaster_start_time())::float8 AS start_time,
  pg_is_in_recovery()::int AS in_recovery,
  current_setting('server_version_num')::int AS version_num,
  (SELECT timeline_id FROM pg_control_checkpoint()) AS timeline,
  pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_insert_lsn() END, '0/0') AS wal_lsn,
  txid_snapshot_xmax(txid_current_snapshot()) AS xact_id,
  (SELECT max(age(datfrozenxid)) FROM pg_database) AS xid_age,
  (SELECT max(mxid_age(datminmxid)) FROM pg_database) AS mxid_age,
  current_setting('max_connections')::int AS max_connections,
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS connections,
  ${ageOf('pg_conf_load_time()')} AS conf_load_age`,
    },
  ],
} as const satisfies MetricDefinition

/**
 * The server collector: {@link pgServer}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [server()] })
 * snap.metrics.pg_server[0]?.uptime
 * ```
 */
export function server(): Collector<readonly [typeof pgServer]> {
  return { name: 'server', metrics: [pgServer] }
}
