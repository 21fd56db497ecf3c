import { pgDatabase, pgStatDatabase } from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { byLabel, columns, ratio } from './source.js'

/** The transaction ID wraparound limit: 2^31 XIDs of age. */
export const WRAPAROUND_LIMIT = 2 ** 31

/** Database-wide graphs (the overview row). */
export const databaseGraphs = [
  timeseries({
    name: 'database.transactions',
    title: 'Transactions per second',
    group: 'overview',
    description: 'Committed and rolled back transactions per second, all databases together.',
    lines: [columns(pgStatDatabase, { xact_commit: 'commit', xact_rollback: 'rollback' }, { sum: true })],
  }),
  timeseries({
    name: 'database.cache_hit_ratio',
    title: 'Buffer cache hit ratio',
    group: 'overview',
    description:
      'Share of block reads served from shared buffers (blks_hit / (blks_hit + blks_read)), all databases together.',
    axisTitle: 'hit ratio',
    lines: [ratio(pgStatDatabase, 'blks_hit', 'blks_read', 'hit ratio')],
  }),
  timeseries({
    name: 'database.tuples',
    title: 'Rows per second',
    group: 'overview',
    description: 'Rows returned, fetched, inserted, updated and deleted per second, all databases together.',
    axisTitle: 'rows/s',
    lines: [
      columns(
        pgStatDatabase,
        {
          tup_returned: 'returned',
          tup_fetched: 'fetched',
          tup_inserted: 'inserted',
          tup_updated: 'updated',
          tup_deleted: 'deleted',
        },
        { sum: true },
      ),
    ],
  }),
  timeseries({
    name: 'database.size',
    title: 'Database size',
    group: 'overview',
    description:
      'Size on disk of each database (pg_database_size); a steady climb is growth, a cliff is a drop or a VACUUM FULL.',
    lines: [byLabel(pgDatabase, ['size_bytes'], ['datname'])],
  }),
  timeseries({
    name: 'database.temp_bytes',
    title: 'Temporary file bytes',
    group: 'overview',
    description: 'Bytes written to temporary files per second (sorts and hashes that spilled past work_mem).',
    lines: [columns(pgStatDatabase, { temp_bytes: 'temp bytes' }, { sum: true })],
  }),
  timeseries({
    name: 'database.temp_files',
    title: 'Temporary files',
    group: 'overview',
    description: 'Temporary files created per minute, all databases together.',
    lines: [columns(pgStatDatabase, { temp_files: 'temp files' }, { sum: true })],
  }),
  timeseries({
    name: 'database.deadlocks_conflicts',
    title: 'Deadlocks and recovery conflicts',
    group: 'overview',
    description: 'Deadlocks detected, and queries cancelled by recovery conflicts on a standby, per minute.',
    axisTitle: 'events/min',
    lines: [columns(pgStatDatabase, { deadlocks: 'deadlocks', conflicts: 'conflicts' }, { sum: true })],
  }),
  timeseries({
    name: 'database.checksum_failures',
    title: 'Data checksum failures',
    group: 'overview',
    description:
      'Pages that failed their checksum on read, per minute, per database and for the shared catalogs ("(shared objects)"): any at all means corruption on disk or in memory.',
    noDataHint: 'Counted only when data checksums are on (initdb --data-checksums, the default from PostgreSQL 18).',
    lines: [byLabel(pgStatDatabase, ['checksum_failures'], ['datname'])],
  }),
  timeseries({
    name: 'database.wraparound',
    title: 'Transaction ID age',
    group: 'overview',
    description:
      'Age of the oldest unfrozen transaction ID per database (age(datfrozenxid)) against the 2-billion wraparound limit; autovacuum must freeze well before the line.',
    axisTitle: 'XID age',
    lines: [byLabel(pgDatabase, ['xid_age'], ['datname'])],
    limits: [{ value: WRAPAROUND_LIMIT, label: 'wraparound limit (2^31)' }],
  }),
] as const
