import type { Collector, MetricDefinition, VersionedQuery } from '@pggraph/core'
import { gauge } from './sql.js'

const REQUIRES = [{ extension: 'pg_buffercache', minVersion: '1.4' }, { privilege: 'pg_monitor' }] as const
const REQUIRES_ANY = [{ extension: 'pg_buffercache' }, { privilege: 'pg_monitor' }] as const

const summaryValues = {
  buffers_used: gauge('buffers', 'Shared buffers holding a page'),
  buffers_unused: gauge('buffers', 'Shared buffers holding no page (free)'),
  buffers_dirty: gauge('buffers', 'Shared buffers changed since read or written (to be written out)'),
  buffers_pinned: gauge('buffers', 'Shared buffers pinned by a backend at the moment of reading'),
  usagecount_avg: gauge('count', 'Average usage count (0-5) of the used buffers: how hot the cache is'),
} as const

const usageValues = {
  buffers: gauge('buffers', 'Shared buffers with this usage count (unused buffers count as 0)'),
  dirty: gauge('buffers', 'Of them, dirty'),
  pinned: gauge('buffers', 'Of them, pinned'),
} as const

// PostgreSQL 16+, extension 1.4+: counted without locking the buffer headers, cheap.
const summary16: VersionedQuery = {
  since: 16,
  sql: `SELECT buffers_used::float8 AS buffers_used, buffers_unused::float8 AS buffers_unused,
  buffers_dirty::float8 AS buffers_dirty, buffers_pinned::float8 AS buffers_pinned,
  usagecount_avg::float8 AS usagecount_avg FROM pg_buffercache_summary()`,
}
const usage16: VersionedQuery = {
  since: 16,
  sql: `SELECT usage_count::text AS usage_count, buffers::float8 AS buffers, dirty::float8 AS dirty,
  pinned::float8 AS pinned FROM pg_buffercache_usage_counts()`,
}
// Any version (opt-in, `scanView`): one aggregate over the pg_buffercache view, which reads
// every buffer header and materialises one row per shared buffer (cost in docs/collectors.md).
const summaryView: VersionedQuery = {
  since: 12,
  sql: `SELECT count(*) FILTER (WHERE relfilenode IS NOT NULL)::float8 AS buffers_used,
  count(*) FILTER (WHERE relfilenode IS NULL)::float8 AS buffers_unused,
  count(*) FILTER (WHERE isdirty)::float8 AS buffers_dirty,
  count(*) FILTER (WHERE pinning_backends > 0)::float8 AS buffers_pinned,
  avg(usagecount) FILTER (WHERE relfilenode IS NOT NULL)::float8 AS usagecount_avg FROM pg_buffercache`,
}
const usageView: VersionedQuery = {
  since: 12,
  sql: `SELECT u::text AS usage_count, coalesce(b.buffers, 0)::float8 AS buffers, coalesce(b.dirty, 0)::float8 AS dirty,
  coalesce(b.pinned, 0)::float8 AS pinned
FROM generate_series(0, 5) u LEFT JOIN (SELECT coalesce(usagecount, 0)::int AS u, count(*) AS buffers,
  count(*) FILTER (WHERE isdirty) AS dirty, count(*) FILTER (WHERE pinning_backends > 0) AS pinned
  FROM pg_buffercache GROUP BY 1) b USING (u) ORDER BY u`,
}

/**
 * Shared buffers by state (`pg_buffercache_summary()`, PostgreSQL 16+ with extension
 * `pg_buffercache` 1.4+): used, unused, dirty, pinned and the average usage count. Needs the
 * extension installed in the database collected (its functions are granted to `pg_monitor`);
 * otherwise skipped with the reason. The same from the `pg_buffercache` view on 12–15 with
 * `buffercache({ scanView: true })`.
 */
export const pgBuffercacheSummary = {
  name: 'pg_buffercache_summary',
  area: 'buffers',
  scope: 'cluster',
  description: 'Shared buffers used, unused, dirty, pinned and their average usage count (pg_buffercache)',
  labels: {},
  values: summaryValues,
  minServerVersion: 16,
  requires: REQUIRES,
  queries: [summary16],
} as const satisfies MetricDefinition

/**
 * Shared buffers per usage count 0–5 (`pg_buffercache_usage_counts()`, PostgreSQL 16+ with
 * extension 1.4+): how many, how many dirty, how many pinned. Many buffers at 5 and few at 0–1 is
 * a hot cache; the clock sweep lowers counts until it finds a 0 to evict. Same gate as
 * {@link pgBuffercacheSummary}.
 */
export const pgBuffercacheUsageCounts = {
  name: 'pg_buffercache_usage_counts',
  area: 'buffers',
  scope: 'cluster',
  description: 'Shared buffers per usage count (0-5): buffers, dirty, pinned (pg_buffercache)',
  labels: { usage_count: 'text' },
  values: usageValues,
  minServerVersion: 16,
  requires: REQUIRES,
  queries: [usage16],
} as const satisfies MetricDefinition

const needs14 = (q: VersionedQuery): VersionedQuery => ({
  ...q,
  requires: [{ extension: 'pg_buffercache', minVersion: '1.4' }],
})

/** Options of {@link buffercache}. */
export interface BuffercacheOptions {
  /**
   * Also on PostgreSQL 12–15 (and 16+ with an extension older than 1.4): one aggregate over the
   * `pg_buffercache` view per metric. It reads every buffer header, so its cost grows with
   * `shared_buffers` (see docs/collectors.md). Default false: skipped there.
   */
  readonly scanView?: boolean
}

/**
 * The shared buffers collector: {@link pgBuffercacheSummary} and {@link pgBuffercacheUsageCounts}
 * when the extension `pg_buffercache` is installed in the database collected.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [buffercache()] })
 * snap.metrics.pg_buffercache_summary[0]?.buffers_dirty
 * ```
 */
export function buffercache(
  options: BuffercacheOptions = {},
): Collector<readonly [typeof pgBuffercacheSummary, typeof pgBuffercacheUsageCounts]> {
  if (!options.scanView) return { name: 'buffercache', metrics: [pgBuffercacheSummary, pgBuffercacheUsageCounts] }
  return {
    name: 'buffercache',
    metrics: [
      {
        ...pgBuffercacheSummary,
        minServerVersion: 12,
        requires: REQUIRES_ANY,
        queries: [needs14(summary16), summaryView],
      },
      {
        ...pgBuffercacheUsageCounts,
        minServerVersion: 12,
        requires: REQUIRES_ANY,
        queries: [needs14(usage16), usageView],
      },
    ] as unknown as readonly [typeof pgBuffercacheSummary, typeof pgBuffercacheUsageCounts],
  }
}
