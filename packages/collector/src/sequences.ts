import type { Collector, MetricDefinition } from '@pggraph/core'
import { gauge } from './sql.js'
import { topOption, withParams } from './params.js'

/** The default number of sequences kept by {@link sequences} (the most used up). */
export const DEFAULT_TOP_SEQUENCES = 20

// Share of the sequence's range used, honouring the sign of the increment: an ascending sequence
// runs from min_value up to max_value, a descending one from max_value down to min_value. In
// numeric, so a bigint range (max - min overflows bigint) cannot overflow.
const USED = `CASE WHEN s.increment_by > 0
    THEN (s.last_value::numeric - s.min_value) / nullif(s.max_value::numeric - s.min_value, 0)
    ELSE (s.max_value::numeric - s.last_value) / nullif(s.max_value::numeric - s.min_value, 0) END`
const LEFT = `CASE WHEN s.increment_by > 0 THEN (s.max_value::numeric - s.last_value) / s.increment_by
    ELSE (s.last_value::numeric - s.min_value) / -s.increment_by END`

/**
 * Sequences nearest their end (`pg_sequences`): the top N (`$1`, default
 * {@link DEFAULT_TOP_SEQUENCES}) by the share of their range used, honouring the sign of the
 * increment. A sequence never called, or one the role may not read (`last_value` needs `SELECT`
 * or `USAGE` on it, or `pg_read_all_data`), has no row. A `CYCLE` sequence wraps around instead of
 * failing (its `cycle` is 1).
 */
export const pgSequenceUsage = {
  name: 'pg_sequence_usage',
  area: 'sequences',
  scope: 'database',
  description: 'Sequences nearest their maximum (minimum when descending): percent of the range used (top N)',
  labels: { datname: 'text', schemaname: 'text', sequencename: 'text' },
  values: {
    percent_used: gauge(
      'percent',
      'Share of the range from start to end used (0–100): nextval fails at 100 unless CYCLE',
    ),
    values_left: gauge('count', 'Calls of nextval() left before the end of the range'),
    cycle: gauge('bool', '1 for a CYCLE sequence (wraps around instead of failing)'),
  },
  params: [DEFAULT_TOP_SEQUENCES],
  queries: [
    {
      since: 12,
      sql: `SELECT current_database()::text AS datname, s.schemaname::text AS schemaname, s.sequencename::text AS sequencename,
  (100 * ${USED})::float8 AS percent_used, (${LEFT})::float8 AS values_left, s.cycle::int AS cycle
FROM pg_sequences s WHERE s.last_value IS NOT NULL
ORDER BY ${USED} DESC NULLS LAST, 2, 3 LIMIT $1`,
    },
  ],
} as const satisfies MetricDefinition

/** Options of {@link sequences}. */
export interface SequencesOptions {
  /** Keep this many sequences, the most used up. Default 20. */
  readonly top?: number
}

/**
 * The sequences collector: {@link pgSequenceUsage} for each database collected.
 *
 * @example
 * ```ts
 * const snap = await collect(db, { collectors: [sequences({ top: 10 })] })
 * snap.metrics.pg_sequence_usage.filter((s) => (s.percent_used ?? 0) > 80)
 * ```
 */
export function sequences(options: SequencesOptions = {}): Collector<readonly [typeof pgSequenceUsage]> {
  return {
    name: 'sequences',
    metrics: [withParams(pgSequenceUsage, [topOption(options.top, DEFAULT_TOP_SEQUENCES, 'sequences')])],
  }
}
