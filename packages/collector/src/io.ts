import type { Collector, MetricDefinition } from '@pggraph/core'
import { counter, selectList, versioned } from './sql.js'

const values = {
  reads: counter('operations', 'Read operations', 16),
  read_bytes: counter('bytes', 'Bytes read (before 18: reads × op_bytes)', 16),
  read_time: counter('ms', 'Time reading (track_io_timing)', 16),
  writes: counter('operations', 'Write operations', 16),
  write_bytes: counter('bytes', 'Bytes written (before 18: writes × op_bytes)', 16),
  write_time: counter('ms', 'Time writing', 16),
  writebacks: counter('operations', 'Writeback requests', 16),
  writeback_time: counter('ms', 'Time in writeback', 16),
  extends: counter('operations', 'Relation extend operations', 16),
  extend_bytes: counter('bytes', 'Bytes extended (before 18: extends × op_bytes)', 16),
  extend_time: counter('ms', 'Time extending', 16),
  hits: counter('buffers', 'Shared buffer hits', 16),
  evictions: counter('buffers', 'Buffers evicted', 16),
  reuses: counter('buffers', 'Ring buffers reused', 16),
  fsyncs: counter('operations', 'fsync calls', 16),
  fsync_time: counter('ms', 'Time in fsync', 16),
} as const

// 18 replaced op_bytes by byte counters; before, bytes are operations times op_bytes.
const bytes = (op: string, col: string) => (major: number) => (major >= 18 ? col : `${op} * op_bytes`)

/** `pg_stat_io` (16+): I/O by backend type, object and context; byte counters on every version. */
export const pgStatIo = {
  name: 'pg_stat_io',
  area: 'io',
  scope: 'cluster',
  description: 'I/O by backend type, object and context: reads, writes, extends, hits, evictions, fsyncs',
  labels: { backend_type: 'text', object: 'text', context: 'text' },
  values,
  statsReset: true,
  minServerVersion: 16,
  queries: versioned(
    values,
    (v) =>
      `SELECT backend_type, object, context, ${selectList(values, v, {
        read_bytes: bytes('reads', 'read_bytes'),
        write_bytes: bytes('writes', 'write_bytes'),
        extend_bytes: bytes('extends', 'extend_bytes'),
      })}, stats_reset FROM pg_stat_io`,
    [18],
    16,
  ),
} as const satisfies MetricDefinition

/**
 * The I/O collector: {@link pgStatIo}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [io()] })
 * snap.metrics.pg_stat_io.filter((r) => r.backend_type === 'client backend')
 * ```
 */
export function io(): Collector<readonly [typeof pgStatIo]> {
  return { name: 'io', metrics: [pgStatIo] }
}
