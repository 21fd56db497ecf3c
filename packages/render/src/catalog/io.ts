import { pgStatBgwriter, pgStatCheckpointer, pgStatIo } from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { allLines, columnLines, labelLines } from './lines.js'
import { graphQuery } from './query.js'

/** Checkpoints, buffer writes and I/O by backend type (the I/O row). */
export const ioGraphs = [
  timeseries({
    name: 'io.checkpoints',
    title: 'Checkpoints',
    group: 'io',
    description:
      'Checkpoints per hour: timed (checkpoint_timeout) and requested (WAL volume or explicit); many requested ones mean max_wal_size is too small.',
    queries: [graphQuery(pgStatCheckpointer, ['num_timed', 'num_requested'])],
    unit: 'checkpoints',
    per: 'hour',
    lines: columnLines({ num_timed: 'timed', num_requested: 'requested' }, { sum: true, scale: 3600 }),
  }),
  timeseries({
    name: 'io.buffers_written',
    title: 'Buffers written',
    group: 'io',
    description:
      'Shared buffers written per second by the checkpointer and the background writer, and buffers allocated.',
    queries: [
      graphQuery(pgStatCheckpointer, ['buffers_written']),
      graphQuery(pgStatBgwriter, ['buffers_clean', 'buffers_alloc']),
    ],
    unit: 'buffers',
    per: 'second',
    lines: allLines(
      columnLines({ buffers_written: 'checkpointer' }, { sum: true }),
      columnLines({ buffers_clean: 'background writer', buffers_alloc: 'allocated' }, { sum: true, query: 1 }),
    ),
  }),
  timeseries({
    name: 'io.reads_by_backend_type',
    title: 'Reads by backend type',
    group: 'io',
    description:
      'Read operations per second by backend type (pg_stat_io, PostgreSQL 16 and newer), all objects and contexts together.',
    queries: [graphQuery(pgStatIo, ['reads'])],
    unit: 'operations',
    per: 'second',
    axisTitle: 'reads/s',
    minServerVersion: 16,
    lines: labelLines(['reads'], ['backend_type']),
  }),
  timeseries({
    name: 'io.writes_by_backend_type',
    title: 'Writes by backend type',
    group: 'io',
    description:
      'Write and extend operations per second by backend type (pg_stat_io, PostgreSQL 16 and newer); client backends writing means the background writer falls behind.',
    queries: [graphQuery(pgStatIo, ['writes', 'extends'])],
    unit: 'operations',
    per: 'second',
    axisTitle: 'writes/s',
    minServerVersion: 16,
    lines: labelLines(['writes', 'extends'], ['backend_type']),
  }),
] as const
