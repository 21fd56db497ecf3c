// Deterministic, realistic synthetic series for every catalog graph: used by the unit tests,
// the golden files, the docs pictures and the benchmarks. No clock reads, seeded randomness.
import { builtinMetrics } from '@pggraph/collector/definitions'
import {
  hashString,
  prng,
  type Series,
  type SeriesEvent,
  type SeriesPoint,
  type SeriesSet,
  type Unit,
  type ValueColumn,
} from '@pggraph/core'
import { graphCatalog, type GraphName } from '../catalog/index.js'

/** A fixed start: 2026-11-01 00:00 UTC. */
export const T0 = Date.UTC(2026, 10, 1)
export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export { prng } from '@pggraph/core'

/** Typical levels of columns, so pictures look like a real server. */
const LEVEL: Record<string, number> = {
  xact_commit: 420,
  xact_rollback: 4,
  blks_hit: 95_000,
  blks_read: 1_800,
  tup_returned: 160_000,
  tup_fetched: 42_000,
  tup_inserted: 900,
  tup_updated: 650,
  tup_deleted: 120,
  temp_files: 0.02,
  temp_bytes: 2.5e6,
  deadlocks: 0.0004,
  conflicts: 0.0002,
  size_bytes: 48e9,
  xid_age: 180e6,
  backends: 12,
  locks: 14,
  max_xact_age: 35,
  num_timed: 1 / 300,
  num_requested: 1 / 2400,
  buffers_written: 380,
  buffers_clean: 140,
  buffers_alloc: 900,
  reads: 1_200,
  writes: 300,
  extends: 40,
  wal_bytes: 3.2e6,
  write_lag: 0.004,
  flush_lag: 0.009,
  replay_lag: 0.03,
  retained_bytes: 900e6,
  seq_scan: 0.8,
  n_dead_tup: 40_000,
  total_bytes: 6e9,
  idx_scan: 90,
  total_exec_time: 260,
  done_ratio: 0.5,
  percent_used: 45,
  invalid: 1,
  mxid_age: 3e6,
  freeze_max_age: 200e6,
  multixact_freeze_max_age: 400e6,
  replay_delay: 0.8,
  last_replay_age: 2.5,
  replay_distance_bytes: 4e6,
  wal_dir_bytes: 1.2e9,
  wal_dir_files: 70,
  archive_ready_files: 3,
  num_dead_item_ids: 180_000,
  buffers_used: 12_000,
  buffers_dirty: 900,
  buffers_pinned: 4,
  buffers: 2_700,
  wasted_bytes: 300e6,
  prefetch: 900,
  hit: 2_400,
  skip_new: 300,
  skip_init: 40,
  skip_fpw: 600,
  skip_rep: 1_100,
}

/** Label sets per metric for graphs that are not summed over all rows. */
const LABELS: Record<string, readonly Record<string, string>[]> = {
  pg_database: [{ datname: 'app' }, { datname: 'reports' }, { datname: 'postgres' }],
  pg_stat_activity: [
    { datname: 'app', backend_type: 'client backend', state: 'active' },
    { datname: 'app', backend_type: 'client backend', state: 'idle' },
    { datname: 'app', backend_type: 'client backend', state: 'idle in transaction' },
    { datname: 'reports', backend_type: 'client backend', state: 'active' },
    { datname: '', backend_type: 'autovacuum launcher', state: '' },
  ],
  pg_stat_activity_wait: [
    { wait_event_type: 'Client', wait_event: 'ClientRead' },
    { wait_event_type: 'Lock', wait_event: 'transactionid' },
    { wait_event_type: 'LWLock', wait_event: 'WALWrite' },
    { wait_event_type: 'IO', wait_event: 'DataFileRead' },
    { wait_event_type: 'Activity', wait_event: 'WalWriterMain' },
  ],
  pg_locks: ['AccessShareLock', 'RowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'].map((mode) => ({
    locktype: 'relation',
    mode,
    granted: 'true',
  })),
  pg_stat_io: ['client backend', 'autovacuum worker', 'background writer', 'checkpointer'].map((b) => ({
    backend_type: b,
    object: 'relation',
    context: 'normal',
  })),
  pg_stat_replication: [{ application_name: 'standby1' }, { application_name: 'standby2' }],
  pg_replication_slots: [{ slot_name: 'standby1' }, { slot_name: 'cdc_export' }],
  pg_stat_user_tables: ['orders', 'customers', 'line_items', 'events', 'sessions', '(other)'].map((r) => ({
    datname: 'app',
    schemaname: r === '(other)' ? '' : 'public',
    relname: r,
  })),
  pg_table_freeze_age: ['orders', 'customers', 'line_items', 'events', 'sessions'].map((r) => ({
    datname: 'app',
    schemaname: 'public',
    relname: r,
  })),
  pg_table_bloat: ['orders', 'customers', 'line_items', 'events', 'sessions'].map((r, i) => ({
    datname: 'app',
    schemaname: 'public',
    relname: r,
    method: i < 2 ? 'pgstattuple_approx' : 'estimate',
  })),
  pg_index_bloat: ['orders_pkey', 'orders_customer_idx', 'events_created_idx', 'sessions_token_idx'].map((i) => ({
    datname: 'app',
    schemaname: 'public',
    relname: i.split('_')[0]!,
    indexrelname: i,
    method: 'estimate',
  })),
  pg_stat_progress_vacuum: [{ datname: 'app', pid: '4242', relname: 'public.events', phase: 'scanning heap' }],
  pg_stat_user_indexes: [
    'orders_pkey',
    'orders_customer_idx',
    'events_created_idx',
    'sessions_token_idx',
    'line_items_legacy_idx',
  ].map((i) => ({
    datname: 'app',
    schemaname: 'public',
    relname: i.split('_')[0]!,
    indexrelname: i,
  })),
  pg_stat_statements: [
    'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2',
    'UPDATE sessions SET last_seen = now() WHERE token = $1',
    'INSERT INTO events (kind, payload) VALUES ($1, $2)',
    'SELECT count(*) FROM line_items JOIN orders USING (order_id) WHERE orders.created_at > $1',
  ].map((query, i) => ({ datname: 'app', queryid: String(4_711_000 + i), query: i < 3 ? query : '' })),
  pg_stat_progress_analyze: [{ datname: 'app', pid: '4242', relname: 'events', phase: 'acquiring sample rows' }],
  pg_stat_progress_cluster: [
    { datname: 'app', pid: '4311', relname: 'sessions', command: 'VACUUM FULL', phase: 'seq scanning heap' },
  ],
  pg_stat_progress_copy: [{ datname: 'app', pid: '4400', relname: 'line_items', command: 'COPY FROM', type: 'FILE' }],
  pg_stat_progress_basebackup: [{ pid: '4500', phase: 'streaming database files' }],
  pg_sequence_usage: ['orders_id_seq', 'events_id_seq', 'sessions_id_seq'].map((sequencename) => ({
    datname: 'app',
    schemaname: 'public',
    sequencename,
  })),
  pg_buffercache_usage_counts: ['0', '1', '2', '3', '4', '5'].map((usage_count) => ({ usage_count })),
  pg_invalid_indexes: [{ datname: 'app', schemaname: 'public', relname: 'orders', indexrelname: 'orders_email_key' }],
}

/** Options of {@link syntheticSet}. */
export interface SyntheticOptions {
  readonly from?: number
  readonly to?: number
  readonly step?: number
  /** A restart (with a gap) and a stats reset in the range (default true). */
  readonly events?: boolean
}

/** The definition of a column a graph reads: its kind and unit come from there, never restated. */
function columnOf(metric: string, column: string): { gauge: boolean; unit: Unit } {
  const c = builtinMetrics.find((m) => m.name === metric)?.values[column as never] as ValueColumn | undefined
  if (!c) throw new Error(`no column ${metric}.${column} in the built-in definitions`)
  return { gauge: c.kind === 'gauge', unit: c.unit }
}

function points(column: string, gauge: boolean, key: string, o: Required<SyntheticOptions>): SeriesPoint[] {
  const rnd = prng(hashString(`${column}|${key}`))
  const level = (LEVEL[column] ?? 100) * (0.4 + rnd() * 1.2)
  const growing = column.endsWith('bytes') && gauge
  const unused = column === 'idx_scan' && key.includes('legacy')
  const restartAt = o.from + (o.to - o.from) * 0.62
  const out: SeriesPoint[] = []
  for (let t = o.from; t <= o.to; t += o.step) {
    if (o.events && t >= restartAt && t < restartAt + 3 * o.step) {
      out.push({ t, v: null })
      continue
    }
    const day = Math.sin(((t % DAY) / DAY) * 2 * Math.PI - Math.PI / 2)
    let v = level * (1 + 0.35 * day + 0.12 * (rnd() - 0.5))
    if (growing) v = level * (1 + (0.25 * (t - o.from)) / (o.to - o.from) + 0.002 * rnd())
    if (rnd() < 0.002) v *= 3 + rnd() * 2
    if (unused) v = 0
    out.push({ t, v: Math.max(0, v) })
  }
  return out
}

/**
 * A SeriesSet with every series a catalog graph reads, over `from`..`to` (default one day at
 * one-minute steps), with a restart and a stats reset when `events` is on.
 */
export function syntheticSet(name: GraphName, options: SyntheticOptions = {}): SeriesSet {
  const o: Required<SyntheticOptions> = { from: T0, to: T0 + DAY, step: MINUTE, events: true, ...options }
  const series: Series[] = []
  for (const q of graphCatalog[name].queries) {
    const labelSets = q.aggregate === 'sum' ? [{}] : (LABELS[q.metric] ?? [{}])
    for (const column of q.columns) {
      const { gauge, unit } = columnOf(q.metric, column)
      for (const labels of labelSets) {
        series.push({
          metric: q.metric,
          column,
          labels,
          kind: gauge ? 'gauge' : 'rate',
          unit,
          points: points(column, gauge, JSON.stringify(labels) + q.metric, o),
        })
      }
    }
  }
  const events: SeriesEvent[] = o.events
    ? [
        { t: o.from + (o.to - o.from) * 0.62, kind: 'restart', label: 'server restarted' },
        { t: o.from + (o.to - o.from) * 0.25, kind: 'stats_reset', label: 'pg_stat_database reset (app)' },
      ]
    : []
  return { from: o.from, to: o.to, series, events }
}

/** An empty SeriesSet over the default day: what a store returns for a metric with no rows. */
export function emptySet(): SeriesSet {
  return { from: T0, to: T0 + DAY, series: [], events: [] }
}
