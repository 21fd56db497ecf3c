import {
  pgBuffercacheSummary,
  pgBuffercacheUsageCounts,
  pgStatBgwriter,
  pgStatCheckpointer,
  pgStatIo,
} from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { byLabel, columns } from './source.js'

/** Checkpoints, buffer writes and I/O by backend type (the I/O row). */
export const ioGraphs = [
  timeseries({
    name: 'io.checkpoints',
    title: 'Checkpoints',
    group: 'io',
    description:
      'Checkpoints per hour: timed (checkpoint_timeout) and requested (WAL volume or explicit); many requested ones mean max_wal_size is too small.',
    lines: [columns(pgStatCheckpointer, { num_timed: 'timed', num_requested: 'requested' }, { sum: true })],
  }),
  timeseries({
    name: 'io.buffers_written',
    title: 'Buffers written',
    group: 'io',
    description:
      'Shared buffers written per second by the checkpointer and the background writer, and buffers allocated.',
    lines: [
      columns(pgStatCheckpointer, { buffers_written: 'checkpointer' }, { sum: true }),
      columns(pgStatBgwriter, { buffers_clean: 'background writer', buffers_alloc: 'allocated' }, { sum: true }),
    ],
  }),
  timeseries({
    name: 'io.buffercache',
    title: 'Shared buffers in use',
    group: 'io',
    description:
      'Shared buffers holding a page, dirty (to be written by the background writer, checkpointer or a backend) and pinned (pg_buffercache_summary(), when the extension is installed).',
    noDataHint: 'Needs CREATE EXTENSION pg_buffercache (PostgreSQL 16+, or the scanView option).',
    axisTitle: 'buffers',
    lines: [
      columns(
        pgBuffercacheSummary,
        { buffers_used: 'used', buffers_dirty: 'dirty', buffers_pinned: 'pinned' },
        { sum: true },
      ),
    ],
  }),
  timeseries({
    name: 'io.buffercache_usage',
    title: 'Shared buffers by usage count',
    group: 'io',
    description:
      'Shared buffers per usage count 0-5, stacked to shared_buffers (pg_buffercache_usage_counts()): most at 4-5 is a hot cache, many at 0 free room; eviction takes a buffer at 0.',
    noDataHint: 'Needs CREATE EXTENSION pg_buffercache (PostgreSQL 16+, or the scanView option).',
    axisTitle: 'buffers',
    mark: 'area',
    lines: [
      byLabel(pgBuffercacheUsageCounts, ['buffers'], ['usage_count'], {
        nameOf: (l) => `usage count ${l['usage_count'] ?? ''}`,
      }),
    ],
  }),
  timeseries({
    name: 'io.reads_by_backend_type',
    title: 'Reads by backend type',
    group: 'io',
    description:
      'Read operations per second by backend type (pg_stat_io, PostgreSQL 16 and newer), all objects and contexts together.',
    axisTitle: 'reads/s',
    lines: [byLabel(pgStatIo, ['reads'], ['backend_type'])],
  }),
  timeseries({
    name: 'io.writes_by_backend_type',
    title: 'Writes by backend type',
    group: 'io',
    description:
      'Write and extend operations per second by backend type (pg_stat_io, PostgreSQL 16 and newer); client backends writing means the background writer falls behind.',
    axisTitle: 'writes/s',
    lines: [byLabel(pgStatIo, ['writes', 'extends'], ['backend_type'])],
  }),
] as const
