import type { Collector, MetricDefinition } from '@pggraph/core'
import { counter, selectList, versioned } from './sql.js'

const values = {
  blks_zeroed: counter('blocks', 'Blocks zeroed during initialisation', 13),
  blks_hit: counter('blocks', 'Blocks found in the SLRU cache', 13),
  blks_read: counter('blocks', 'Blocks read', 13),
  blks_written: counter('blocks', 'Blocks written', 13),
  blks_exists: counter('blocks', 'Blocks checked for existence', 13),
  flushes: counter('count', 'Flushes of dirty data', 13),
  truncates: counter('count', 'Truncates', 13),
} as const

// 17 renamed the SLRU caches; older servers' names are mapped to 17's so series continue.
const CANONICAL_NAME = `CASE name WHEN 'CommitTs' THEN 'commit_timestamp' WHEN 'MultiXactMember' THEN 'multixact_member'
  WHEN 'MultiXactOffset' THEN 'multixact_offset' WHEN 'Notify' THEN 'notify' WHEN 'Serial' THEN 'serializable'
  WHEN 'Subtrans' THEN 'subtransaction' WHEN 'Xact' THEN 'transaction' ELSE name END`

/** `pg_stat_slru` (13+): SLRU cache activity, with the cache names of 17 on every version. */
export const pgStatSlru = {
  name: 'pg_stat_slru',
  area: 'slru',
  scope: 'cluster',
  description: 'SLRU caches (transaction status, subtransactions, multixacts, ...): hits, reads, writes',
  labels: { name: 'text' },
  values,
  statsReset: true,
  minServerVersion: 13,
  queries: versioned(
    values,
    (v) =>
      `SELECT ${v >= 17 ? 'name' : CANONICAL_NAME} AS name, ${selectList(values, v)}, stats_reset FROM pg_stat_slru`,
    [17],
    13,
  ),
} as const satisfies MetricDefinition

/**
 * The SLRU collector: {@link pgStatSlru}.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [slru()] })
 * snap.metrics.pg_stat_slru.find((r) => r.name === 'transaction')?.blks_read
 * ```
 */
export function slru(): Collector<readonly [typeof pgStatSlru]> {
  return { name: 'slru', metrics: [pgStatSlru] }
}
