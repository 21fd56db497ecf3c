import { pgReplicationSlots, pgStatReplication, pgStatWal } from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { byLabel, columns } from './source.js'

/** WAL volume and replication (the WAL row). */
export const walGraphs = [
  timeseries({
    name: 'wal.bytes',
    title: 'WAL written',
    group: 'wal',
    description: 'Bytes of write-ahead log generated per second (pg_stat_wal, PostgreSQL 14 and newer).',
    lines: [columns(pgStatWal, { wal_bytes: 'WAL bytes' }, { sum: true })],
  }),
  timeseries({
    name: 'wal.replication_lag',
    title: 'Replication lag',
    group: 'wal',
    description:
      'Write, flush and replay lag of each standby as seen by the primary (pg_stat_replication): how far behind a failover would be.',
    noDataHint: 'Rows exist only on a server with standbys connected.',
    axisTitle: 'lag (seconds)',
    lines: [
      columns(
        pgStatReplication,
        { write_lag: 'write', flush_lag: 'flush', replay_lag: 'replay' },
        { labelKeys: ['application_name'] },
      ),
    ],
  }),
  timeseries({
    name: 'wal.retained',
    title: 'WAL retained by replication slots',
    group: 'wal',
    description: 'WAL kept on disk for each replication slot; an abandoned slot grows until the disk is full.',
    noDataHint: 'Rows exist only when the server has replication slots.',
    lines: [byLabel(pgReplicationSlots, ['retained_bytes'], ['slot_name'])],
  }),
] as const
