import {
  pgReplicationSlots,
  pgStandbyReplay,
  pgStatRecoveryPrefetch,
  pgStatWal,
  pgWalDir,
} from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { byLabel, columns } from './source.js'
import { walSenderColumns } from './walsenders.js'

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
      'Write, flush and replay lag of each standby as seen by the primary (pg_stat_replication), named by application_name (with its address, or its pid, when two standbys of that name were connected at once; a reconnection breaks the line): how far behind a failover would be.',
    noDataHint: 'Rows exist only on a server with standbys connected.',
    axisTitle: 'lag (seconds)',
    lines: [walSenderColumns({ write_lag: 'write', flush_lag: 'flush', replay_lag: 'replay' })],
  }),
  timeseries({
    name: 'wal.retained',
    title: 'WAL retained by replication slots',
    group: 'wal',
    description: 'WAL kept on disk for each replication slot; an abandoned slot grows until the disk is full.',
    noDataHint: 'Rows exist only when the server has replication slots.',
    lines: [byLabel(pgReplicationSlots, ['retained_bytes'], ['slot_name'])],
  }),
  timeseries({
    name: 'wal.standby_replay_delay',
    title: 'Standby replay delay',
    group: 'wal',
    description:
      'On a standby: seconds since the last replayed transaction committed on the primary, 0 while all WAL received is replayed (an idle primary is not delay); the raw age of the last replayed commit beside it.',
    noDataHint: 'Collected on a standby only (no row on a primary).',
    axisTitle: 'delay (seconds)',
    lines: [columns(pgStandbyReplay, { replay_delay: 'replay delay', last_replay_age: 'last replayed commit' })],
  }),
  timeseries({
    name: 'wal.standby_replay_bytes',
    title: 'Standby WAL not yet replayed',
    group: 'wal',
    description:
      'On a standby: WAL received but not yet replayed (pg_last_wal_receive_lsn() - pg_last_wal_replay_lsn()); it grows while replay is paused or blocked by a conflicting query.',
    noDataHint: 'Collected on a standby only (no row on a primary).',
    lines: [columns(pgStandbyReplay, { replay_distance_bytes: 'received, not replayed' })],
  }),
  timeseries({
    name: 'wal.recovery_prefetch',
    title: 'Standby recovery prefetch',
    group: 'wal',
    description:
      'On a standby (PostgreSQL 15+): blocks per second WAL replay prefetched (not in the buffer pool, read ahead with posix_fadvise), found already cached, or skipped (new, zero-initialized, full page image in the WAL, recently prefetched) (pg_stat_recovery_prefetch). Many prefetched blocks while replay falls behind: raise maintenance_io_concurrency.',
    noDataHint: 'Collected on a standby only (no row on a primary).',
    lines: [
      columns(
        pgStatRecoveryPrefetch,
        {
          prefetch: 'prefetched',
          hit: 'already cached',
          skip_new: 'skipped: new',
          skip_init: 'skipped: zero-initialized',
          skip_fpw: 'skipped: full page image',
          skip_rep: 'skipped: recently prefetched',
        },
        { sum: true },
      ),
    ],
  }),
  timeseries({
    name: 'wal.directory_size',
    title: 'WAL directory size',
    group: 'wal',
    description:
      'Size of pg_wal (pg_ls_waldir()): grows past max_wal_size when archiving fails, a slot holds WAL back or checkpoints fall behind.',
    lines: [columns(pgWalDir, { wal_dir_bytes: 'pg_wal' })],
  }),
  timeseries({
    name: 'wal.files',
    title: 'WAL files and archive backlog',
    group: 'wal',
    description:
      'Files in pg_wal, and segments waiting to be archived (.ready in pg_wal/archive_status): a backlog that only grows means archive_command is failing or too slow.',
    axisTitle: 'files',
    lines: [columns(pgWalDir, { wal_dir_files: 'WAL files', archive_ready_files: 'waiting to be archived' })],
  }),
] as const
